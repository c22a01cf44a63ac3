/** Container lifecycle against real Podman. */
import assert from "node:assert/strict";
import { LIVE_IMAGE, LIVE_SOCKET, liveTest, uniqueName, withContainer } from "./_testing.ts";
import { PodmanConflictError, PodmanNotFoundError } from "./errors.ts";

liveTest("ping and info describe the live service", async (c) => {
  const ping = await c.ping();
  assert.match(ping.apiVersion, /^\d+\.\d+\.\d+/);
  const info = await c.info();
  assert.equal(info.hasHost, true);
  assert.match(info.cgroupVersion, /^v[12]$/);
  assert.ok(info.cpus > 0);
  assert.ok(info.ociRuntimePath && info.ociRuntimePath.length > 0);
  assert.equal(await c.networkExists("podman"), true);
  assert.equal(await c.networkExists(uniqueName("no-net")), false);
});

liveTest("create, start, wait, inspect, list and remove a container", async (c) => {
  const name = uniqueName("life");
  await withContainer(c, {
    name,
    command: ["sh", "-c", "exit 3"],
    labels: { "ndp.test": name },
  }, async (id) => {
    assert.equal(await c.containers.exists(name), true);
    await c.containers.start(id);
    assert.equal(await c.containers.waitForCondition(id, ["exited"]), 3);
    const info = await c.containers.inspect(name);
    assert.equal(info.id, id);
    assert.equal(info.state.status, "exited");
    assert.equal(info.state.exitCode, 3);
    assert.ok(info.state.finishedAt instanceof Date);
    const listed = await c.containers.list({ all: true, filters: { label: [`ndp.test=${name}`] } });
    assert.deepEqual(listed.map((l) => l.id), [id]);
    assert.deepEqual(listed[0]?.names, [name]);
    // stop of an exited container answers 304: success
    await c.containers.stop(id, 1);
    // kill of an exited container: 500 "container state improper" → conflict
    await assert.rejects(c.containers.kill(id, "SIGTERM"), PodmanConflictError);
  });
  assert.equal(await c.containers.exists(name), false);
  await assert.rejects(c.containers.inspect(name), PodmanNotFoundError);
  // stop and remove of a missing container count as success (404 → absent)
  await c.containers.stop(name, 1);
  assert.equal(await c.containers.remove(name, { force: true, volumes: true }), false);
});

liveTest("stop sends the stop signal and a running container reports its state", async (c) => {
  await withContainer(c, { name: uniqueName("stop"), command: ["sleep", "300"] }, async (id) => {
    await c.containers.start(id);
    await c.containers.waitForCondition(id, ["running"]);
    const running = await c.containers.inspect(id);
    assert.equal(running.state.running, true);
    assert.ok(running.state.pid > 0);
    assert.ok(running.network.ipAddress !== "" || Object.keys(running.network.networks).length > 0);
    await c.containers.kill(id, "SIGKILL");
    assert.equal(await c.containers.waitForCondition(id, ["exited", "stopped"]), 137);
  });
});

liveTest("a name conflict on create is a PodmanConflictError", async (c) => {
  const name = uniqueName("dup");
  await withContainer(c, { name, command: ["true"] }, async () => {
    await assert.rejects(c.containers.create({ name, image: LIVE_IMAGE }), PodmanConflictError);
  });
});

liveTest("waitForCondition honours the caller's signal", async (c) => {
  await withContainer(
    c,
    { name: uniqueName("waitabort"), command: ["sleep", "300"] },
    async (id) => {
      await c.containers.start(id);
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error("stop waiting")), 200);
      await assert.rejects(
        c.containers.waitForCondition(id, ["exited"], { signal: ac.signal }),
        /stop waiting/,
      );
    },
  );
});

liveTest("remove with volumes=true deletes the container's anonymous volume", async (c) => {
  // Guards the libpod request branch: on Podman's compat branch `volumes` is ignored (#424).
  const { id } = await c.containers.create({
    image: LIVE_IMAGE,
    name: uniqueName("vol"),
    command: ["true"],
    volumes: [{ Name: "", Dest: "/data" }],
  });
  let volume = "";
  try {
    const http = Deno.createHttpClient({
      proxy: { transport: "unix", path: LIVE_SOCKET.replace(/^unix:\/\//, "") },
    });
    try {
      const res = await fetch(`http://libpod/v4.0.0/libpod/containers/${id}/json`, {
        client: http,
      });
      const mounts = (await res.json()).Mounts as { Name?: string; Destination?: string }[];
      volume = mounts.find((m) => m.Destination === "/data")?.Name ?? "";
      assert.notEqual(volume, "", "the container has an anonymous volume");
      assert.equal(await c.containers.remove(id, { force: true, volumes: true }), true);
      const check = await fetch(`http://libpod/v4.0.0/libpod/volumes/${volume}/exists`, {
        client: http,
      });
      await check.body?.cancel();
      assert.equal(check.status, 404, `volume ${volume} survived the remove`);
    } finally {
      http.close();
    }
  } finally {
    await c.containers.remove(id, { force: true, volumes: true });
  }
});
