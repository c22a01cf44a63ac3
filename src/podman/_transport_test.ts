/**
 * Transport behaviour under faults, against the fake service (real Podman
 * cannot be made to truncate, stall or drop on demand).
 */
import assert from "node:assert/strict";
import {
  json,
  pingHeaders,
  podmanError,
  startFakePodman,
  streamed,
} from "../../tests/support/fakes/fake_podman.ts";
import { PodmanClient } from "./client.ts";
import {
  PodmanApiError,
  PodmanConflictError,
  PodmanConnectionError,
  PodmanNotFoundError,
  PodmanResponseError,
  PodmanTimeoutError,
} from "./errors.ts";
import { parseAddress } from "./_address.ts";
import { buildPath } from "./_transport.ts";
import { silentLogger } from "./_testing.ts";

function client(socketPath: string, timeoutMs = 2000): PodmanClient {
  return new PodmanClient({ socketPath, timeoutMs, logger: silentLogger() });
}

Deno.test("parseAddress accepts unix://, bare paths and http URLs, and rejects others", () => {
  assert.deepEqual(parseAddress("unix:///run/p.sock").kind, "unix");
  const bare = parseAddress("/run/p.sock");
  assert.equal(bare.kind === "unix" && bare.path, "/run/p.sock");
  const http = parseAddress("http://127.0.0.1:8080/");
  assert.equal(http.baseUrl, "http://127.0.0.1:8080");
  assert.equal(http.kind === "http" && http.port, 8080);
  assert.throws(() => parseAddress("ftp://x"), TypeError);
  assert.throws(() => parseAddress("unix://relative"), TypeError);
  assert.throws(() => parseAddress(" "), TypeError);
});

Deno.test("buildPath escapes params and repeats array query keys", () => {
  assert.equal(
    buildPath("/v4.3.1/libpod", "/images/{name}/json", { name: "localhost/a:b" }, { x: undefined }),
    "/v4.3.1/libpod/images/localhost%2Fa%3Ab/json",
  );
  assert.equal(
    buildPath("", "/containers/{id}/wait", { id: "c1" }, { condition: ["running", "exited"] }),
    "/containers/c1/wait?condition=running&condition=exited",
  );
  assert.throws(() => buildPath("", "/containers/{id}", { id: "" }, undefined), TypeError);
});

Deno.test("the API prefix comes from one _ping and falls back to v4.0.0", async () => {
  for (const [header, prefix] of [["5.2.1", "/v5.2.1/libpod"], [null, "/v4.0.0/libpod"]]) {
    const fake = await startFakePodman((_req, url) => {
      if (url.pathname === "/libpod/_ping") {
        return new Response("OK", { headers: header ? { "Libpod-API-Version": header } : {} });
      }
      return new Response(null, { status: 204 });
    });
    const c = client(fake.socketPath);
    try {
      assert.equal(await c.containers.exists("a"), true);
      assert.equal(await c.containers.exists("b"), true);
      await c.networkExists("n");
      const pings = fake.requests.filter((r) => r.path.endsWith("_ping"));
      assert.equal(pings.length, 1);
      assert.deepEqual(
        fake.requests.filter((r) => !r.path.endsWith("_ping")).map((r) => r.path),
        [
          `${prefix}/containers/a/exists`,
          `${prefix}/containers/b/exists`,
          `${prefix}/networks/n/exists`,
        ],
      );
    } finally {
      c.close();
      await fake.close();
    }
  }
});

Deno.test("ping reports the API and libpod versions", async () => {
  const fake = await startFakePodman(() => undefined);
  const c = client(fake.socketPath);
  try {
    assert.deepEqual(await c.ping(), { apiVersion: "4.3.1", libpodVersion: "4.3.1" });
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("a missing socket is a PodmanConnectionError naming the socket", async () => {
  const c = client("unix:///tmp/ndp-no-such-dir/podman.sock");
  try {
    const err = await c.containers.inspect("x").catch((e) => e);
    assert.ok(err instanceof PodmanConnectionError, String(err));
    assert.equal(err.socket, "unix:///tmp/ndp-no-such-dir/podman.sock");
    assert.match(err.message, /ndp-no-such-dir\/podman\.sock/);
    // the failed _ping is not cached: a second call tries again
    await assert.rejects(c.ping(), PodmanConnectionError);
  } finally {
    c.close();
  }
});

Deno.test("error statuses map to typed errors carrying Podman's cause and message", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/containers/gone/json")) {
      return podmanError(404, "no such container", 'no container with name or ID "gone" found');
    }
    if (url.pathname.endsWith("/containers/create")) {
      return podmanError(409, "name in use", "the container name is already in use");
    }
    if (url.pathname.endsWith("/kill")) {
      return podmanError(500, "container state improper", "can only kill running containers");
    }
    if (url.pathname.endsWith("/start")) return new Response("plain text failure", { status: 500 });
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    const nf = await c.containers.inspect("gone").catch((e) => e);
    assert.ok(nf instanceof PodmanNotFoundError);
    assert.equal(nf.status, 404);
    assert.equal(nf.method, "GET");
    assert.equal(nf.path, "/v4.3.1/libpod/containers/gone/json");
    assert.equal(nf.podmanCause, "no such container");
    assert.match(nf.message, /no container with name or ID "gone" found/);
    await assert.rejects(c.containers.create({ name: "x" }), PodmanConflictError);
    const kill = await c.containers.kill("x", "SIGTERM").catch((e) => e);
    assert.ok(kill instanceof PodmanConflictError && kill.status === 500);
    const start = await c.containers.start("x").catch((e) => e);
    assert.ok(start instanceof PodmanApiError && !(start instanceof PodmanNotFoundError));
    assert.match(start.message, /plain text failure/);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("truncated JSON, a non-JSON body and an empty 200 are PodmanResponseErrors", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/containers/trunc/json")) {
      return new Response('{"Id":"abc","State":{"Stat', { status: 200 });
    }
    if (url.pathname.endsWith("/containers/html/json")) {
      return new Response("<html>proxy error</html>", { status: 200 });
    }
    if (url.pathname.endsWith("/containers/create")) return new Response("", { status: 201 });
    if (url.pathname.endsWith("/wait")) return new Response("", { status: 200 });
    if (url.pathname.endsWith("/containers/noid/json")) return json({ Id: "" });
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    await assert.rejects(c.containers.inspect("trunc"), PodmanResponseError);
    await assert.rejects(c.containers.inspect("html"), /not JSON: '<html>proxy error/);
    await assert.rejects(c.containers.create({}), PodmanResponseError);
    await assert.rejects(c.containers.waitForCondition("x", ["exited"]), PodmanResponseError);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("a slow answer hits the client timeout as PodmanTimeoutError", async () => {
  const fake = await startFakePodman(async (_req, url) => {
    if (url.pathname.endsWith("/info")) {
      await new Promise((r) => setTimeout(r, 1500));
      return json({});
    }
    return undefined;
  });
  const c = client(fake.socketPath, 200);
  try {
    const t0 = performance.now();
    const err = await c.info().catch((e) => e);
    const took = performance.now() - t0;
    assert.ok(err instanceof PodmanTimeoutError, String(err));
    assert.equal(err.timeoutMs, 200);
    assert.ok(took < 1200, `took ${took} ms`);
  } finally {
    c.close();
    await new Promise((r) => setTimeout(r, 1400)); // let the handler finish
    await fake.close();
  }
});

Deno.test("a slow body after a quick head also hits the timeout", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/info")) return streamed(['{"host":', "{}}"], { delayMs: 800 });
    return undefined;
  });
  const c = client(fake.socketPath, 300);
  try {
    await assert.rejects(c.info(), PodmanTimeoutError);
  } finally {
    c.close();
    await new Promise((r) => setTimeout(r, 900));
    await fake.close();
  }
});

Deno.test("the caller's abort wins and surfaces as its own reason", async () => {
  const fake = await startFakePodman(async (_req, url) => {
    if (url.pathname.endsWith("/containers/slow/json")) {
      await new Promise((r) => setTimeout(r, 600));
      return json({ Id: "slow" });
    }
    return undefined;
  });
  const c = client(fake.socketPath, 5000);
  try {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("caller gave up")), 50);
    await assert.rejects(c.containers.inspect("slow", { signal: ac.signal }), /caller gave up/);
  } finally {
    c.close();
    await new Promise((r) => setTimeout(r, 700));
    await fake.close();
  }
});

Deno.test("a connection dropped mid-stream ends the event stream with an error", async () => {
  const line = '{"status":"start","id":"c1","Type":"container","Actor":{"Attributes":{}}}\n';
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/events")) return streamed([line, line], { thenDrop: true });
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    const seen: string[] = [];
    const err = await (async () => {
      for await (const e of c.events()) seen.push(e.id);
    })().catch((e) => e);
    assert.deepEqual(seen, ["c1", "c1"]);
    assert.ok(err instanceof PodmanConnectionError, String(err));
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("aborting a stats stream ends it with the caller's reason", async () => {
  const line = '{"Error":null,"Stats":[{"ContainerID":"c1","CPUNano":5}]}\n';
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/containers/stats")) return streamed([line], { holdOpen: true });
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    const got: number[] = [];
    const ac = new AbortController();
    const it = c.statsStream({ containers: ["c1"], signal: ac.signal });
    const first = await it.next();
    if (!first.done) got.push(first.value.cpuNano);
    ac.abort(new Error("stop stats"));
    await assert.rejects(it.next(), /stop stats/);
    assert.deepEqual(got, [5]);
    const q = fake.requests.find((r) => r.path.includes("/containers/stats"));
    assert.match(q?.path ?? "", /stream=true&interval=1&containers=c1/);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("a pull's own deadline ends a stalled stream with PodmanTimeoutError", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/images/pull")) {
      return streamed(['{"stream":"Copying blob\\n"}\n'], { holdOpen: true });
    }
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    const err = await c.images.pull("a:1", { timeoutMs: 300 }).catch((e) => e);
    assert.ok(err instanceof PodmanTimeoutError, String(err));
    assert.equal(err.timeoutMs, 300);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("a pull whose stream reports an error throws Podman's message", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/images/pull")) {
      return streamed([
        '{"stream":"Trying to pull registry.example/a:1...\\n"}\n',
        '{"error":"initializing source: unauthorized: authentication required"}\n',
      ]);
    }
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    const progress: string[] = [];
    const err = await c.images.pull("registry.example/a:1", {
      auth: { username: "u", password: "p?>", serveraddress: "registry.example" },
      onProgress: (r) => progress.push(r.stream),
    }).catch((e) => e);
    assert.ok(err instanceof PodmanApiError);
    assert.match(err.message, /unauthorized: authentication required/);
    assert.equal(err.podmanMessage, "initializing source: unauthorized: authentication required");
    assert.equal(progress.length, 2);
    const req = fake.requests.find((r) => r.path.includes("/images/pull"));
    const header = req?.headers.get("x-registry-auth") ?? "";
    assert.doesNotMatch(header, /[+/]/, "URL-safe base64");
    const decoded = JSON.parse(atob(header.replace(/-/g, "+").replace(/_/g, "/")));
    assert.deepEqual(decoded, {
      username: "u",
      password: "p?>",
      serveraddress: "registry.example",
    });
    assert.match(req?.path ?? "", /reference=registry.example%2Fa%3A1&tlsVerify=true/);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("batch stats answering a Go error object become PodmanNotFoundError", async () => {
  const fake = await startFakePodman((_req, url) => {
    if (url.pathname.endsWith("/containers/stats")) return json({ Error: {}, Stats: null });
    if (url.pathname.endsWith("/containers/x/stats")) return new Response("", { status: 200 });
    if (url.pathname.endsWith("/containers/y/stats")) {
      return json({ cause: "container is stopped", message: "container is stopped" });
    }
    return undefined;
  });
  const c = client(fake.socketPath);
  try {
    await assert.rejects(c.stats({ containers: ["nope"] }), PodmanNotFoundError);
    await assert.rejects(c.containerStats("x"), PodmanNotFoundError);
    await assert.rejects(c.containerStats("y"), /container is stopped/);
  } finally {
    c.close();
    await fake.close();
  }
});

Deno.test("the client rejects a non-positive timeout", () => {
  assert.throws(
    () => new PodmanClient({ socketPath: "/x", timeoutMs: 0, logger: silentLogger() }),
    RangeError,
  );
});

Deno.test("pingHeaders fixture matches Podman 4.3.1", () => {
  assert.equal(new Headers(pingHeaders()).get("libpod-api-version"), "4.3.1");
});

Deno.test("info: calls made while one is in flight share it; a caller's abort ends only its wait", async () => {
  let asked = 0;
  const fake = await startFakePodman(async (_req, url) => {
    if (url.pathname.endsWith("/info")) {
      asked++;
      await new Promise((r) => setTimeout(r, 200));
      return json({ host: { arch: "amd64" } });
    }
    return undefined;
  });
  const c = client(fake.socketPath, 5000);
  try {
    const ac = new AbortController();
    const gaveUp = c.info({ signal: ac.signal });
    const [a, b] = [c.info(), c.info()];
    ac.abort(new Error("caller gave up"));
    await assert.rejects(gaveUp, /caller gave up/);
    assert.deepEqual(await a, await b);
    assert.equal(asked, 1);
    await c.info(); // none in flight any more: a new request
    assert.equal(asked, 2);
  } finally {
    c.close();
    await fake.close();
  }
});
