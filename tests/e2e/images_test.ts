/**
 * ImageResolver against the REAL private Podman service and loopback registry
 * (scripts/test_env.sh). Skipped when the socket is missing, except under
 * `CI=true`, where that is a failure.
 *
 * Every image name a test creates is removed at its end; the shared test
 * image itself is never removed.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { TaskConfig } from "../../src/config/types.ts";
import { ImageError, ImageResolver, type ImagesClient } from "../../src/driver/images.ts";
import { makeConfig, makePlugin } from "../support/factories.ts";
import { Logger } from "../../src/plugin_log/mod.ts";
import { PodmanClient } from "../../src/podman/client.ts";
import type { PullOptions } from "../../src/podman/images.ts";
import {
  IMAGE_DIR,
  IN_CI,
  PODMAN_SOCKET,
  podmanAvailable,
  REGISTRY,
  REGISTRY_PASSWORD,
  REGISTRY_USER,
  TEST_IMAGE,
} from "../support/harness/env.ts";

const OCI_ARCHIVE = Deno.env.get("NDP_TEST_IMAGE_OCI_ARCHIVE") ?? `${IMAGE_DIR}/busybox-oci.tar`;
const DOCKER_ARCHIVE = Deno.env.get("NDP_TEST_IMAGE_DOCKER_ARCHIVE") ??
  `${IMAGE_DIR}/busybox-docker.tar`;
const REGISTRY_IMAGE = `${REGISTRY}/ndp/busybox:latest`;

/** Log lines of the resolver, to check that no secret is ever written. */
const logLines: string[] = [];
const logger = new Logger("images-e2e", {
  sink: { write: (l) => void logLines.push(l) },
  level: "trace",
});

/** Wraps the real image calls, counting pulls and loads. */
class Counting implements ImagesClient {
  pulls = 0;
  loads = 0;
  readonly #inner: PodmanClient["images"];
  constructor(inner: PodmanClient["images"]) {
    this.#inner = inner;
  }
  exists(ref: string, o?: { signal?: AbortSignal }) {
    return this.#inner.exists(ref, o);
  }
  inspect(ref: string, o?: { signal?: AbortSignal }) {
    return this.#inner.inspect(ref, o);
  }
  pull(ref: string, o?: PullOptions) {
    this.pulls++;
    return this.#inner.pull(ref, o);
  }
  load(body: ReadableStream<Uint8Array>, o?: { signal?: AbortSignal; timeoutMs?: number }) {
    this.loads++;
    return this.#inner.load(body, o);
  }
}

interface Ctx {
  client: PodmanClient;
  images: Counting;
  resolver: ImageResolver;
  /** ID of the shared test image. */
  testId: string;
  /** Names to remove at the end (never TEST_IMAGE). */
  cleanup: string[];
  resolve(
    over: Partial<TaskConfig>,
    plugin?: Parameters<typeof makePlugin>[0],
  ): Promise<{ id: string; events: string[] }>;
}

function podmanTest(name: string, fn: (ctx: Ctx) => Promise<void>): void {
  const present = podmanAvailable();
  Deno.test({
    name: present || IN_CI ? name : `${name} (skipped: no Podman socket at ${PODMAN_SOCKET})`,
    ignore: !present && !IN_CI,
    async fn() {
      if (!present) {
        throw new Error(`Podman socket ${PODMAN_SOCKET} is missing (CI=true): cannot run ${name}`);
      }
      const client = new PodmanClient({ socketPath: PODMAN_SOCKET, logger, timeoutMs: 30_000 });
      const images = new Counting(client.images);
      const resolver = new ImageResolver({ logger });
      const cleanup: string[] = [];
      const testId = (await client.images.inspect(TEST_IMAGE)).id;
      const ctx: Ctx = {
        client,
        images,
        resolver,
        testId,
        cleanup,
        async resolve(over, plugin = {}) {
          const events: string[] = [];
          const id = await resolver.resolve(images, {
            socketKey: "default",
            config: makeConfig(over),
            plugin: makePlugin(plugin),
            onEvent: (m) => void events.push(m),
          });
          return { id, events };
        },
      };
      try {
        await fn(ctx);
      } finally {
        for (const ref of cleanup) {
          if (ref === TEST_IMAGE) continue;
          await client.images.remove(ref).catch(() => false);
        }
        client.close();
        assert.ok(
          !logLines.some((l) => l.includes(REGISTRY_PASSWORD)),
          "the registry password was logged",
        );
      }
    },
  });
}

/** A copy of a test archive whose image is named `newRepo` (so the load is observable). */
async function renamedArchive(src: string, newRepo: string, dir: string): Promise<string> {
  const work = await Deno.makeTempDir({ dir, prefix: "x-" });
  const tar = async (...args: string[]) => {
    const out = await new Deno.Command("tar", { args, stderr: "piped" }).output();
    if (!out.success) {
      throw new Error(`tar ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
    }
  };
  await tar("-xf", src, "-C", work);
  const entries: string[] = [];
  for await (const e of Deno.readDir(work)) {
    entries.push(e.name);
    if (e.isFile && /\.json$|^repositories$/.test(e.name)) {
      const p = `${work}/${e.name}`;
      const text = await Deno.readTextFile(p);
      await Deno.writeTextFile(p, text.replaceAll("localhost/ndp/busybox", newRepo));
    }
  }
  const out = `${dir}/${newRepo.replaceAll("/", "_")}.tar`;
  await tar("-cf", out, "-C", work, ...entries.sort());
  return out;
}

function uniqueRepo(kind: string): string {
  return `localhost/ndp/images-e2e-${kind}-${crypto.randomUUID().slice(0, 8)}`;
}

async function absent(client: PodmanClient, ref: string): Promise<boolean> {
  return !(await client.images.exists(ref));
}

podmanTest("ImageResolver uses the local test image without pulling", async (ctx) => {
  const { id, events } = await ctx.resolve({ image: TEST_IMAGE });
  assert.equal(id, ctx.testId);
  assert.equal(ctx.images.pulls, 0);
  assert.deepEqual(events, []);
  // localhost/ images are never pulled, even with force_pull.
  const forced = await ctx.resolve({ image: "localhost/ndp/busybox", forcePull: true });
  assert.equal(forced.id, ctx.testId);
  assert.equal(ctx.images.pulls, 0);
  await assert.rejects(
    ctx.resolve({ image: "localhost/ndp/does-not-exist:1" }),
    /'localhost\/ndp\/does-not-exist:1' as 'image'.*never pulled/,
  );
  assert.equal(ctx.images.pulls, 0);
});

for (const [format, src] of [["oci-archive", OCI_ARCHIVE], ["docker-archive", DOCKER_ARCHIVE]]) {
  podmanTest(`ImageResolver loads a ${format} file`, async (ctx) => {
    const dir = await Deno.makeTempDir({ prefix: "ndp-images-e2e-" });
    const repo = uniqueRepo(format);
    ctx.cleanup.push(`${repo}:latest`);
    try {
      const archive = await renamedArchive(src!, repo, dir);
      assert.ok(await absent(ctx.client, `${repo}:latest`));
      const { id, events } = await ctx.resolve({ image: `${format}:${archive}` });
      assert.equal(id, ctx.testId);
      assert.equal(ctx.images.loads, 1);
      assert.equal(ctx.images.pulls, 0);
      assert.deepEqual(events, [`Loading image ${archive}`]);
      assert.equal((await ctx.client.images.inspect(`${repo}:latest`)).id, ctx.testId);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

podmanTest("ImageResolver loads an archive over http and rejects a 404", async (ctx) => {
  const dir = await Deno.makeTempDir({ prefix: "ndp-images-e2e-" });
  const repo = uniqueRepo("http");
  ctx.cleanup.push(`${repo}:latest`);
  const archive = await renamedArchive(DOCKER_ARCHIVE, repo, dir);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    if (new URL(req.url).pathname !== "/busybox.tar") return new Response("no", { status: 404 });
    const file = await Deno.open(archive);
    return new Response(file.readable, { headers: { "content-type": "application/x-tar" } });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  try {
    const { id, events } = await ctx.resolve({ image: `docker-archive:${base}/busybox.tar` });
    assert.equal(id, ctx.testId);
    assert.deepEqual(events, [`Loading image ${base}/busybox.tar`]);
    assert.equal((await ctx.client.images.inspect(`${repo}:latest`)).id, ctx.testId);

    const loads = ctx.images.loads;
    await assert.rejects(ctx.resolve({ image: `oci-archive:${base}/missing.tar` }), (err) => {
      assert.ok(err instanceof ImageError);
      assert.match(err.message, /HTTP 404/);
      assert.ok(err.message.includes(`${base}/missing.tar`));
      return true;
    });
    assert.equal(ctx.images.loads, loads, "no load after a failed download");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

const RIGHT = { username: REGISTRY_USER, password: REGISTRY_PASSWORD, tlsVerify: true };

podmanTest("ImageResolver pulls from the registry with the right password", async (ctx) => {
  ctx.cleanup.push(REGISTRY_IMAGE);
  await ctx.client.images.remove(REGISTRY_IMAGE).catch(() => false);
  // Written without a tag: host:port/repo must keep its port.
  const image = `${REGISTRY}/ndp/busybox`;
  const { id, events } = await ctx.resolve({ image, auth: RIGHT });
  assert.equal(id, ctx.testId);
  assert.equal(ctx.images.pulls, 1);
  assert.equal(events[0], `Pulling image ${REGISTRY_IMAGE}`);
  assert.equal(events.at(-1), `Downloaded image ${REGISTRY_IMAGE}`);

  // Present now: no pull without force_pull, a pull with it.
  await ctx.resolve({ image, auth: RIGHT });
  assert.equal(ctx.images.pulls, 1);
  await ctx.resolve({ image, auth: RIGHT, forcePull: true });
  assert.equal(ctx.images.pulls, 2);
});

podmanTest("ImageResolver pulls with credentials from the plugin auth file", async (ctx) => {
  ctx.cleanup.push(REGISTRY_IMAGE);
  const dir = await Deno.makeTempDir({ prefix: "ndp-images-e2e-" });
  try {
    const path = `${dir}/auth.json`;
    await Deno.writeTextFile(
      path,
      JSON.stringify({
        auths: {
          [REGISTRY]: { auth: btoa(`${REGISTRY_USER}:wrong`) },
          [`${REGISTRY}/ndp`]: { auth: btoa(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`) },
        },
      }),
    );
    const { id } = await ctx.resolve(
      { image: REGISTRY_IMAGE, forcePull: true },
      { auth: { config: path, helper: "" } },
    );
    assert.equal(id, ctx.testId);
    assert.equal(ctx.images.pulls, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

podmanTest("ImageResolver reports a wrong registry password clearly", async (ctx) => {
  ctx.cleanup.push(REGISTRY_IMAGE);
  const wrong = "definitely-wrong-pw";
  await assert.rejects(
    ctx.resolve({
      image: REGISTRY_IMAGE,
      forcePull: true,
      auth: { username: REGISTRY_USER, password: wrong, tlsVerify: true },
    }),
    (err) => {
      assert.ok(err instanceof ImageError);
      assert.equal(err.field, "image");
      assert.equal(err.reference, REGISTRY_IMAGE);
      assert.match(err.message, new RegExp(`Cannot pull image '${REGISTRY_IMAGE}' as 'image': `));
      assert.match(err.message, /unauthorized|authentication required|401/i);
      assert.ok(!err.message.includes(wrong));
      return true;
    },
  );
  assert.equal(ctx.images.pulls, 1);
  assert.ok(!logLines.some((l) => l.includes(wrong)), "the wrong password was logged");
});

podmanTest("ImageResolver gives up on a stalling registry at image_pull_timeout", async (ctx) => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) conns.push(c); // accept, never answer
    } catch {
      // listener closed
    }
  })();
  const ref = `127.0.0.1:${listener.addr.port}/ndp/busybox:latest`;
  ctx.cleanup.push(ref);
  try {
    const started = Date.now();
    await assert.rejects(
      ctx.resolve({ image: ref, imagePullTimeoutMs: 1000 }),
      (err) => {
        assert.ok(err instanceof ImageError);
        assert.match(err.message, /image_pull_timeout of 1s passed/);
        return true;
      },
    );
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 3000, `gave up after ${elapsed} ms`);
    assert.equal(ctx.resolver.inFlight, 0);
  } finally {
    listener.close();
    await accepting;
    for (const c of conns) {
      try {
        c.close();
      } catch {
        // already closed by the peer
      }
    }
  }
});
