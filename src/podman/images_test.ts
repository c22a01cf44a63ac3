/** Image calls against real Podman. */
import assert from "node:assert/strict";
import { LIVE_IMAGE, LIVE_SOCKET, liveTest, uniqueName } from "./_testing.ts";
import { PodmanApiError, PodmanNotFoundError } from "./errors.ts";

liveTest("exists and inspect of the test image and of a missing one", async (c) => {
  assert.equal(await c.images.exists(LIVE_IMAGE), true);
  const img = await c.images.inspect(LIVE_IMAGE);
  assert.match(img.id, /^[0-9a-f]{64}$/);
  assert.equal(img.os, "linux");
  assert.ok(img.repoTags.includes(LIVE_IMAGE));
  const missing = `localhost/${uniqueName("img")}:latest`;
  assert.equal(await c.images.exists(missing), false);
  await assert.rejects(c.images.inspect(missing), PodmanNotFoundError);
  assert.equal(await c.images.remove(missing), false);
});

liveTest("pull with policy missing returns the local image id", async (c) => {
  const img = await c.images.inspect(LIVE_IMAGE);
  const reports: string[] = [];
  const id = await c.images.pull(LIVE_IMAGE, {
    policy: "missing",
    onProgress: (r) => reports.push(r.id),
  });
  assert.equal(id, img.id);
  assert.ok(reports.length >= 1);
});

liveTest("a failing pull throws the error Podman streamed after its 200", async (c) => {
  // Nothing listens on port 1: Podman answers 200, then streams the error.
  const err = await c.images.pull("localhost:1/ndp/none:latest", { tlsVerify: false }).catch((e) =>
    e
  );
  assert.ok(err instanceof PodmanApiError, String(err));
  assert.match(
    err.message,
    /Cannot pull image 'localhost:1\/ndp\/none:latest'.*connection refused/,
  );
  assert.equal(err.status, 200);
});

liveTest("load takes a docker-archive stream and returns the image names", async (c) => {
  // Export the test image with the raw API, then load it back under the same name.
  const http = Deno.createHttpClient({
    proxy: { transport: "unix", path: LIVE_SOCKET.replace(/^unix:\/\//, "") },
  });
  try {
    const res = await fetch(
      `http://d/v4.0.0/libpod/images/${encodeURIComponent(LIVE_IMAGE)}/get?format=docker-archive`,
      { client: http },
    );
    assert.equal(res.status, 200);
    const names = await c.images.load(res.body!);
    assert.ok(names.some((n) => n.includes("ndp/busybox")), JSON.stringify(names));
  } finally {
    http.close();
  }
});
