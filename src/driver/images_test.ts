import assert from "node:assert/strict";
import type { TaskConfig } from "../config/mod.ts";
import { Logger } from "../plugin_log/mod.ts";
import { PodmanApiError, PodmanNotFoundError } from "../podman/mod.ts";
import type { PullOptions } from "../podman/mod.ts";
import type { ImageInspect } from "../podman/mod.ts";
import { makeConfig, makePlugin } from "../../tests/support/factories.ts";
import {
  ImageError,
  ImageResolver,
  type ImagesClient,
  parseImageSource,
  parsePullProgress,
  type ResolveImageRequest,
} from "./images.ts";

const quiet = new Logger("test", { sink: { write() {} }, level: "error" });
const ID = "36b66b4ed5920bec7ef9c4d362d1182b7f3f4d1d1d5ababf0f2d09e6d138f3ed";

function notFound(ref: string): PodmanNotFoundError {
  return new PodmanNotFoundError(`no such image ${ref}`, {
    method: "GET",
    path: `/images/${ref}/json`,
    status: 404,
  });
}

/** An in-memory image store counting pulls and loads. */
class FakeImages implements ImagesClient {
  readonly local = new Map<string, string>();
  readonly pulls: Array<{ ref: string; options: PullOptions }> = [];
  loads = 0;
  /** Resolves pending pulls; set per test. */
  pullDelayMs = 20;
  pullError: Error | undefined;
  /** Progress lines, each with the clock value at which it arrives. */
  progress: Array<[number, string]> = [];
  clock = 0;
  pullSignals: AbortSignal[] = [];

  exists(ref: string): Promise<boolean> {
    return Promise.resolve(this.local.has(ref));
  }

  inspect(ref: string): Promise<ImageInspect> {
    const id = this.local.get(ref);
    if (id === undefined) return Promise.reject(notFound(ref));
    return Promise.resolve({
      id,
      os: "linux",
      architecture: "amd64",
      variant: "",
      repoTags: [],
      healthcheck: undefined,
    });
  }

  async pull(ref: string, options: PullOptions = {}): Promise<string> {
    this.pulls.push({ ref, options });
    if (options.signal) this.pullSignals.push(options.signal);
    for (const [at, line] of this.progress) {
      this.clock = at;
      options.onProgress?.({ stream: `${line}\n`, error: "", images: [], id: "" });
    }
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, this.pullDelayMs);
      options.signal?.addEventListener("abort", () => {
        clearTimeout(t);
        reject(options.signal?.reason);
      });
    });
    if (this.pullError) throw this.pullError;
    this.local.set(ref, ID);
    return ID;
  }

  async load(body: ReadableStream<Uint8Array>): Promise<string[]> {
    this.loads++;
    await body.cancel();
    this.local.set("localhost/loaded:latest", ID);
    return ["localhost/loaded:latest"];
  }
}

/** Fails on any Podman call. */
const NO_PODMAN: ImagesClient = {
  exists: () => Promise.reject(new Error("unexpected Podman call: exists")),
  inspect: () => Promise.reject(new Error("unexpected Podman call: inspect")),
  pull: () => Promise.reject(new Error("unexpected Podman call: pull")),
  load: () => Promise.reject(new Error("unexpected Podman call: load")),
};

interface Recorded {
  events: Array<{ message: string; annotations: Record<string, string> }>;
  req: ResolveImageRequest;
}

function request(over: Partial<TaskConfig> = {}, signal?: AbortSignal): Recorded {
  const events: Recorded["events"] = [];
  return {
    events,
    req: {
      socketKey: "default",
      config: makeConfig(over),
      plugin: makePlugin(),
      signal,
      onEvent: (message, annotations) => events.push({ message, annotations }),
    },
  };
}

function resolver(over: ConstructorParameters<typeof ImageResolver>[0] = {}): ImageResolver {
  return new ImageResolver({ logger: quiet, ...over });
}

Deno.test("parseImageSource() normalises references and recognises archives", () => {
  assert.deepEqual(parseImageSource("busybox:1"), {
    kind: "registry",
    ref: "busybox:1",
    short: true,
    localOnly: false,
  });
  assert.deepEqual(parseImageSource("docker://quay.io/a/b"), {
    kind: "registry",
    ref: "quay.io/a/b:latest",
    short: false,
    localOnly: false,
  });
  // docker:// follows Podman's docker transport: short names are Docker Hub names.
  assert.equal(
    (parseImageSource("docker://busybox") as { ref: string }).ref,
    "docker.io/library/busybox:latest",
  );
  assert.deepEqual(parseImageSource("127.0.0.1:5000/ndp/busybox"), {
    kind: "registry",
    ref: "127.0.0.1:5000/ndp/busybox:latest",
    short: false,
    localOnly: false,
  });
  assert.deepEqual(parseImageSource("localhost/ndp/busybox"), {
    kind: "registry",
    ref: "localhost/ndp/busybox:latest",
    short: false,
    localOnly: true,
  });
  assert.deepEqual(parseImageSource("oci-archive:/tmp/x.tar:app:v1"), {
    kind: "archive-file",
    format: "oci-archive",
    path: "/tmp/x.tar",
    ref: "app:v1",
  });
  assert.deepEqual(parseImageSource("docker-archive:/tmp/x.tar"), {
    kind: "archive-file",
    format: "docker-archive",
    path: "/tmp/x.tar",
    ref: "",
  });
  assert.deepEqual(parseImageSource("docker-archive:https://h:8080/x.tar"), {
    kind: "archive-url",
    format: "docker-archive",
    url: "https://h:8080/x.tar",
  });
  assert.throws(() => parseImageSource(" "), (err: unknown) => {
    assert.ok(err instanceof ImageError);
    assert.equal(err.field, "image");
    assert.match(err.message, /image name required/);
    return true;
  });
  assert.throws(() => parseImageSource("oci-archive:"), /path is empty/);
});

Deno.test("parsePullProgress() extracts layer and byte counts", () => {
  assert.deepEqual(parsePullProgress("Copying blob sha256:186995f0c6d0d7c3093dce1ae01680"), {
    layer: "sha256:186995f0c6d0d7c3093dce1ae01680",
  });
  assert.deepEqual(parsePullProgress("Copying blob 186995f0c6d0 [==>--] 1.5MiB / 3.2 MiB"), {
    layer: "sha256:186995f0c6d0",
    bytesDone: "1.5MiB",
    bytesTotal: "3.2MiB",
  });
  assert.deepEqual(parsePullProgress("Writing manifest to image destination"), {});
});

Deno.test("ImageResolver uses a local image without pulling", async () => {
  const images = new FakeImages();
  images.local.set("quay.io/a/b:latest", ID);
  const { req, events } = request({ image: "docker://quay.io/a/b" });
  assert.equal(await resolver().resolve(images, req), ID);
  assert.equal(images.pulls.length, 0);
  assert.deepEqual(events, []);
});

Deno.test("ImageResolver pulls with force_pull or a platform even when present", async () => {
  for (const over of [{ forcePull: true }, { arch: "arm64" }, { os: "linux" }, { variant: "v8" }]) {
    const images = new FakeImages();
    images.local.set("quay.io/a/b:latest", ID);
    const { req, events } = request({ image: "quay.io/a/b", ...over });
    assert.equal(await resolver().resolve(images, req), ID);
    assert.equal(images.pulls.length, 1, JSON.stringify(over));
    const o = images.pulls[0]!.options;
    assert.equal(o.arch, over.arch);
    assert.equal(o.os, over.os);
    assert.equal(o.variant, over.variant);
    assert.deepEqual(events.map((e) => e.message), [
      "Pulling image quay.io/a/b:latest",
      "Downloaded image quay.io/a/b:latest",
    ]);
  }
});

Deno.test("ImageResolver pulls with its own deadline, tls_verify and credentials", async () => {
  const images = new FakeImages();
  const { req } = request({ image: "redis:7", imagePullTimeoutMs: 1234 });
  await resolver().resolve(images, req);
  const first = images.pulls[0]!;
  assert.equal(first.ref, "redis:7", "short names go to Podman untouched");
  assert.equal(first.options.timeoutMs, 1234);
  assert.equal(first.options.tlsVerify, true);
  assert.equal(first.options.auth, undefined);

  const { req: withAuth } = request({
    image: "reg.io/a:1",
    auth: { username: "u", password: "pw", tlsVerify: false },
  });
  await resolver().resolve(images, withAuth);
  assert.equal(images.pulls[1]!.options.tlsVerify, false);
  assert.deepEqual(images.pulls[1]!.options.auth, {
    username: "u",
    password: "pw",
    serveraddress: "reg.io",
  });
});

Deno.test("ImageResolver never pulls localhost/ images", async () => {
  const images = new FakeImages();
  const { req } = request({ image: "localhost/app:1", forcePull: true });
  await assert.rejects(resolver().resolve(images, req), (err: unknown) => {
    assert.ok(err instanceof ImageError);
    assert.equal(err.field, "image");
    assert.equal(err.reference, "localhost/app:1");
    assert.match(err.message, /'localhost\/app:1' as 'image'.*never pulled/);
    return true;
  });
  images.local.set("localhost/app:1", ID);
  assert.equal(await resolver().resolve(images, req), ID);
  assert.equal(images.pulls.length, 0);
});

Deno.test("ImageResolver shares one pull among 10 concurrent resolves", async () => {
  const images = new FakeImages();
  images.pullDelayMs = 50;
  const r = resolver();
  const reqs = Array.from({ length: 10 }, () => request({ image: "quay.io/a/b:1" }));
  const ids = await Promise.all(reqs.map(({ req }) => r.resolve(images, req)));
  assert.deepEqual(ids, Array(10).fill(ID));
  assert.equal(images.pulls.length, 1);
  for (const { events } of reqs) {
    assert.deepEqual(events.map((e) => e.message), [
      "Pulling image quay.io/a/b:1",
      "Downloaded image quay.io/a/b:1",
    ]);
  }
  assert.equal(r.inFlight, 0);
  // Different force, platform, socket or credentials never share a pull.
  await Promise.all([
    r.resolve(images, request({ image: "quay.io/x:1" }).req),
    r.resolve(images, request({ image: "quay.io/x:1", forcePull: true }).req),
    r.resolve(images, request({ image: "quay.io/x:1", arch: "arm64" }).req),
    r.resolve(images, { ...request({ image: "quay.io/x:1" }).req, socketKey: "other" }),
    r.resolve(
      images,
      request({ image: "quay.io/x:1", auth: { username: "u", password: "p", tlsVerify: true } })
        .req,
    ),
  ]);
  assert.equal(images.pulls.length, 1 + 5);
});

Deno.test("ImageResolver keeps a shared pull going when one waiter cancels", async () => {
  const images = new FakeImages();
  images.pullDelayMs = 100;
  const r = resolver();
  const ac = new AbortController();
  const a = r.resolve(images, request({ image: "quay.io/a:1" }, ac.signal).req);
  const b = r.resolve(images, request({ image: "quay.io/a:1" }).req);
  setTimeout(() => ac.abort(new Error("task cancelled")), 10);
  await assert.rejects(a, /task cancelled/);
  assert.equal(await b, ID);
  assert.equal(images.pulls.length, 1);
  assert.equal(images.pullSignals[0]!.aborted, false);

  // When every waiter leaves, the pull is cancelled.
  const ac2 = new AbortController();
  const c = r.resolve(images, request({ image: "quay.io/c:1" }, ac2.signal).req);
  setTimeout(() => ac2.abort(new Error("gone")), 10);
  await assert.rejects(c, /gone/);
  assert.equal(images.pullSignals[1]!.aborted, true);
  assert.equal(r.inFlight, 0);
});

Deno.test("ImageResolver names image and reference in a failed pull, without the password", async () => {
  const images = new FakeImages();
  images.pullError = new PodmanApiError("Cannot pull image", {
    method: "POST",
    path: "/images/pull",
    status: 200,
    podmanMessage: "unauthorized: authentication required (tried pw-123)",
  });
  const { req } = request({
    image: "127.0.0.1:5000/ndp/busybox",
    auth: { username: "u", password: "pw-123", tlsVerify: true },
  });
  await assert.rejects(resolver().resolve(images, req), (err: unknown) => {
    assert.ok(err instanceof ImageError);
    assert.equal(err.recoverable, true);
    assert.match(
      err.message,
      /Cannot pull image '127\.0\.0\.1:5000\/ndp\/busybox:latest' as 'image': unauthorized/,
    );
    assert.ok(!err.message.includes("pw-123"));
    return true;
  });
});

Deno.test("ImageResolver throttles pull progress to one event per interval", async () => {
  const images = new FakeImages();
  images.progress = [
    [0, "Trying to pull quay.io/a:1..."],
    [300, "Copying blob sha256:aaaaaaaaaaaa1"],
    [600, "Copying blob sha256:bbbbbbbbbbbb2"],
    [1100, "Copying blob sha256:cccccccccccc3 1MiB / 2MiB"],
    [1500, "Writing manifest to image destination"],
  ];
  const r = resolver({ now: () => images.clock });
  const { req, events } = request({ image: "quay.io/a:1" });
  await r.resolve(images, req);
  const progress = events.filter((e) => e.message.includes("pull progress"));
  assert.equal(progress.length, 2, JSON.stringify(events));
  assert.equal(progress[1]!.annotations.layer, "sha256:cccccccccccc3");
  assert.equal(progress[1]!.annotations.layers_started, "3");
  assert.equal(progress[1]!.annotations.bytes_done, "1MiB");
  assert.equal(progress[1]!.annotations.bytes_total, "2MiB");
});

Deno.test("ImageResolver rejects a non-2xx archive download before any Podman call", async () => {
  const fakeFetch: typeof fetch = () =>
    Promise.resolve(new Response("nope", { status: 404, statusText: "Not Found" }));
  const { req } = request({ image: "oci-archive:http://127.0.0.1:1/x.tar" });
  await assert.rejects(resolver({ fetch: fakeFetch }).resolve(NO_PODMAN, req), (err: unknown) => {
    assert.ok(err instanceof ImageError);
    assert.match(err.message, /HTTP 404/);
    assert.match(err.message, /http:\/\/127\.0\.0\.1:1\/x\.tar/);
    return true;
  });
});

Deno.test("ImageResolver streams an archive download into load", async () => {
  const images = new FakeImages();
  const fakeFetch: typeof fetch = () => Promise.resolve(new Response("tar bytes"));
  const { req, events } = request({ image: "docker-archive:https://h/x.tar" });
  assert.equal(await resolver({ fetch: fakeFetch }).resolve(images, req), ID);
  assert.equal(images.loads, 1);
  assert.deepEqual(events.map((e) => e.message), ["Loading image https://h/x.tar"]);
});

Deno.test("ImageResolver reports a missing archive file", async () => {
  const { req } = request({ image: "oci-archive:/nonexistent/x.tar" });
  await assert.rejects(
    resolver().resolve(NO_PODMAN, req),
    /'\/nonexistent\/x\.tar'.*does not exist/,
  );
});

Deno.test("ImageResolver loads a local archive file once for concurrent starts", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/x.tar`, "tar");
    const images = new FakeImages();
    const r = resolver();
    const reqs = Array.from({ length: 3 }, () => request({ image: `oci-archive:${dir}/x.tar` }));
    const ids = await Promise.all(reqs.map(({ req }) => r.resolve(images, req)));
    assert.deepEqual(ids, [ID, ID, ID]);
    assert.equal(images.loads, 1);
    for (const { events } of reqs) {
      assert.deepEqual(events.map((e) => e.message), [`Loading image ${dir}/x.tar`]);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
