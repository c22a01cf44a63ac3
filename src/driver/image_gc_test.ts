import assert from "node:assert/strict";
import { PodmanConflictError, PodmanNotFoundError } from "../podman/mod.ts";
import type { ContainerListEntry, ImageInspect } from "../podman/mod.ts";
import {
  ImageGc,
  type ImageGcClient,
  type ImageGcConfig,
  referenceOf,
  tagMatches,
} from "./image_gc.ts";
import { FakeClock, memLogger } from "../../tests/support/test_clock.ts";

const ID = "sha256:aaaa1111bbbb2222";

interface FakeImage {
  id: string;
  tags: string[];
}

class FakePodman implements ImageGcClient {
  images_: FakeImage[] = [];
  containers_: { id: string; image: string; imageId: string }[] = [];
  calls: string[] = [];
  refuse = false;
  containers = {
    list: (_o?: { all?: boolean }): Promise<ContainerListEntry[]> => {
      this.calls.push("list");
      return Promise.resolve(this.containers_.map((c) => ({
        id: c.id,
        names: [],
        state: "running",
        labels: {},
        image: c.image,
        imageId: c.imageId,
        created: new Date(0),
        exited: false,
        exitCode: 0,
        pid: 0,
      })));
    },
  };
  images = {
    inspect: (ref: string): Promise<ImageInspect> => {
      const i = this.images_.find((x) => x.id === ref || x.id.replace("sha256:", "") === ref);
      if (!i) {
        return Promise.reject(
          new PodmanNotFoundError("no such image", { method: "GET", path: "/images", status: 404 }),
        );
      }
      return Promise.resolve({
        id: i.id,
        os: "linux",
        architecture: "amd64",
        variant: "",
        repoTags: [...i.tags],
        healthcheck: undefined,
      });
    },
    remove: (ref: string): Promise<boolean> => {
      this.calls.push(`remove ${ref}`);
      if (this.refuse) {
        return Promise.reject(
          new PodmanConflictError("image is in use by a container", {
            method: "DELETE",
            path: "/images",
            status: 409,
          }),
        );
      }
      for (const i of this.images_) {
        if (i.id === ref) {
          this.images_ = this.images_.filter((x) => x !== i);
          return Promise.resolve(true);
        }
        if (i.tags.includes(ref)) {
          i.tags = i.tags.filter((t) => t !== ref);
          if (i.tags.length === 0) this.images_ = this.images_.filter((x) => x !== i);
          return Promise.resolve(true);
        }
      }
      return Promise.resolve(false);
    },
  };
  has(tag: string): boolean {
    return this.images_.some((i) => i.tags.includes(tag));
  }
}

function setup(cfg: Partial<ImageGcConfig> = {}) {
  const clock = new FakeClock();
  const podman = new FakePodman();
  const { logger, lines } = memLogger();
  const config: ImageGcConfig = { image: true, imageDelayMs: 3_000, ...cfg };
  const gc = new ImageGc({
    config: () => config,
    client: (name) => (name === "default" ? podman : undefined),
    logger,
    clock,
    callTimeoutMs: 1000,
  });
  return { clock, podman, lines, gc, config };
}

Deno.test("tagMatches / referenceOf: which repo tags a task's image names", () => {
  assert.equal(referenceOf("localhost/ndp/gc-test:1"), "localhost/ndp/gc-test:1");
  assert.equal(referenceOf("docker://localhost/ndp/gc-test:1"), "localhost/ndp/gc-test:1");
  assert.equal(referenceOf(""), "");
  assert.equal(referenceOf("oci-archive:/tmp/x.tar:localhost/a:1"), "localhost/a:1");
  assert.equal(referenceOf("oci-archive:https://host/x.tar"), "");
  const yes: [string, string][] = [
    ["localhost/ndp/gc-test:1", "localhost/ndp/gc-test:1"],
    ["docker.io/library/busybox:latest", "busybox"],
    ["docker.io/library/busybox:1.36", "busybox:1.36"],
    ["quay.io/org/app:latest", "org/app"],
    ["localhost/app:latest", "app"],
    ["registry.local:5000/app:2", "registry.local:5000/app:2"],
  ];
  const no: [string, string][] = [
    ["localhost/ndp/busybox:latest", "localhost/ndp/gc-test:1"],
    ["localhost/foo/busybox:latest", "busybox"],
    ["docker.io/library/busybox:1.36", "busybox"],
    ["quay.io/x/app:latest", "registry.local:5000/app:latest"],
    ["anything", ""],
  ];
  for (const [tag, ref] of yes) assert.ok(tagMatches(tag, ref), `${tag} ~ ${ref}`);
  for (const [tag, ref] of no) assert.ok(!tagMatches(tag, ref), `${tag} !~ ${ref}`);
});

Deno.test("image GC: last user destroyed → tag removed after the delay, logged", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/ndp/gc-test:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/ndp/gc-test:1");
  s.gc.release("t1");
  assert.equal(s.gc.pending, 1);
  await s.clock.advance(2_999);
  assert.deepEqual(s.podman.calls, []);
  await s.clock.advance(1);
  assert.deepEqual(s.podman.calls, ["list", "remove localhost/ndp/gc-test:1"]);
  assert.equal(s.podman.images_.length, 0);
  const info = s.lines.find((l) => l["@message"] === "image GC removed an image no task uses");
  assert.ok(info);
  assert.equal(info["@level"], "info");
  assert.equal(info.image, "localhost/ndp/gc-test:1");
  assert.equal(s.gc.pending, 0);
  await s.gc.stop();
});

Deno.test("image GC: a task starting on the image cancels the removal", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  await s.clock.advance(2_000);
  s.gc.acquire("t2", "default", ID, "localhost/a:1");
  await s.clock.advance(10_000);
  assert.deepEqual(s.podman.calls, []);
  assert.equal(s.gc.pending, 0);
  // t2 destroyed → scheduled again from then.
  s.gc.release("t2");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list", "remove localhost/a:1"]);
  await s.gc.stop();
});

Deno.test("image GC: never while another task uses the image; per socket", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.acquire("t2", "default", ID, "localhost/a:1");
  s.gc.acquire("t3", "other", ID, "localhost/a:1");
  s.gc.release("t1");
  s.gc.release("t1"); // twice: no effect
  await s.clock.advance(10_000);
  assert.deepEqual(s.podman.calls, []);
  s.gc.release("t3"); // socket "other" has no client any more: kept
  await s.clock.advance(10_000);
  assert.deepEqual(s.podman.calls, []);
  assert.ok(s.podman.has("localhost/a:1"));
  await s.gc.stop();
});

Deno.test("image GC: disabled → nothing scheduled", async () => {
  const s = setup({ image: false });
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  assert.equal(s.gc.pending, 0);
  await s.clock.advance(60_000);
  assert.deepEqual(s.podman.calls, []);
  await s.gc.stop();
});

Deno.test("image GC: a container using the image with only our tag → kept", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.podman.containers_ = [{ id: "c1", image: ID, imageId: ID.replace("sha256:", "") }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list"]);
  assert.ok(s.podman.has("localhost/a:1"));
  await s.gc.stop();
});

Deno.test("image GC: only our tag is untagged; other tags and the image stay", async () => {
  const s = setup();
  s.podman.images_ = [{
    id: ID,
    tags: ["localhost/ndp/busybox:latest", "localhost/ndp/gc-test:1"],
  }];
  // Someone else's container uses the image (by ID): untagging ours does not affect it.
  s.podman.containers_ = [{ id: "c1", image: "localhost/ndp/busybox:latest", imageId: ID }];
  s.gc.acquire("t1", "default", ID, "localhost/ndp/gc-test:1");
  s.gc.release("t1");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list", "remove localhost/ndp/gc-test:1"]);
  assert.ok(s.podman.has("localhost/ndp/busybox:latest"));
  assert.ok(!s.podman.has("localhost/ndp/gc-test:1"));
  await s.gc.stop();
});

Deno.test("image GC: a tag a container was created from is kept", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/b:1", "localhost/a:1"] }];
  s.podman.containers_ = [{ id: "c1", image: "localhost/a:1", imageId: ID }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  const report = await s.gc.removeNow("default", ID);
  assert.deepEqual(report.removed, []);
  assert.ok(s.podman.has("localhost/a:1"));
  await s.gc.stop();
});

Deno.test("image GC: tags our tasks never used are kept; an untagged image goes by ID", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/other:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list"]);
  assert.ok(s.podman.has("localhost/other:1"));
  // A recovered task (image unknown) whose image lost its tags: removed by ID.
  s.podman.images_ = [{ id: ID, tags: [] }];
  s.podman.calls = [];
  s.gc.acquire("t2", "default", ID);
  s.gc.release("t2");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list", `remove ${ID}`]);
  await s.gc.stop();
});

Deno.test("image GC: Podman refusing (409) means keep, no throw; gone image is fine", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.podman.refuse = true;
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  await s.clock.advance(3_000);
  assert.deepEqual(s.podman.calls, ["list", "remove localhost/a:1"]);
  assert.ok(s.podman.has("localhost/a:1"));
  assert.ok(
    s.lines.some((l) => l["@message"] === "image GC kept an image Podman refused to remove"),
  );
  s.podman.images_ = [];
  s.gc.acquire("t2", "default", ID, "localhost/a:1");
  s.gc.release("t2");
  await s.clock.advance(3_000);
  assert.ok(!s.lines.some((l) => l["@level"] === "warn"), "a missing image is not an error");
  await s.gc.stop();
});

Deno.test("image GC: stop cancels scheduled removals", async () => {
  const s = setup();
  s.podman.images_ = [{ id: ID, tags: ["localhost/a:1"] }];
  s.gc.acquire("t1", "default", ID, "localhost/a:1");
  s.gc.release("t1");
  await s.gc.stop();
  await s.clock.advance(10_000);
  assert.deepEqual(s.podman.calls, []);
  assert.equal(s.clock.timers.size, 0);
});
