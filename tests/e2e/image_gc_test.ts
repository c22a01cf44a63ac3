/**
 * Image GC (`gc { image = true }`) against the real private Podman: the image
 * of a destroyed task goes after the delay; the image of a running task stays;
 * the shared test image is never removed.
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { eventually, podmanCli, TEST_IMAGE, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const GC = `gc {\n  image = true\n  image_delay = "1s"\n}`;

async function imageExists(ref: string): Promise<boolean> {
  return (await podmanCli("image", "exists", ref)).code === 0;
}

async function tag(ref: string): Promise<void> {
  const out = await podmanCli("tag", TEST_IMAGE, ref);
  assert.equal(out.code, 0, out.stderr);
}

function taskConfig(image: string, script: string): string {
  return `image = "${image}"\ncommand = "sh"\nargs = ["-c", ${JSON.stringify(script)}]\n`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

Deno.test({
  ...opts,
  name: "image GC: a destroyed task's image tag is removed after image_delay; the test image stays",
  fn: async () => {
    const ref = `localhost/ndp/gc-test:${crypto.randomUUID().slice(0, 8)}`;
    try {
      await tag(ref);
      await withHarness(async (h) => {
        const t = await h.task({ config: taskConfig(ref, "exit 0") });
        await h.start(t);
        await h.client.waitTask(t.id, 30_000);
        await h.client.destroyTask(t.id, true);
        const destroyedAt = Date.now();
        assert.ok(await imageExists(ref), "not removed before the delay");
        await eventually(async () => !(await imageExists(ref)), 10_000, `${ref} removed`);
        assert.ok(Date.now() - destroyedAt >= 800, "removed before image_delay");
        assert.ok(await imageExists(TEST_IMAGE), "the shared test image is untouched");
        const line = h.plugin.stderrLines.find((l) =>
          l.includes("image GC removed an image no task uses")
        );
        assert.ok(line, "an info line logs the removal");
        assert.match(line, new RegExp(ref.replace(/[.:/]/g, "\\$&")));
      }, GC);
    } finally {
      await podmanCli("rmi", ref);
    }
  },
});

Deno.test({
  ...opts,
  name: "image GC: the image of a running task stays; it goes once its last task is destroyed",
  fn: async () => {
    const ref = `localhost/ndp/gc-test:${crypto.randomUUID().slice(0, 8)}`;
    try {
      await tag(ref);
      await withHarness(async (h) => {
        const a = await h.task({ name: "a", config: taskConfig(ref, "sleep 100") });
        const b = await h.task({ name: "b", config: taskConfig(ref, "sleep 100") });
        await h.start(a);
        await h.start(b);
        await h.client.destroyTask(a.id, true);
        await sleep(3_000);
        assert.ok(await imageExists(ref), "kept while task b runs on it");
        await h.client.destroyTask(b.id, true);
        await eventually(async () => !(await imageExists(ref)), 10_000, `${ref} removed`);
        assert.ok(await imageExists(TEST_IMAGE), "the shared test image is untouched");
      }, GC);
    } finally {
      await podmanCli("rmi", ref);
    }
  },
});

Deno.test({
  ...opts,
  name: "image GC: off by default: a destroyed task's image stays",
  fn: async () => {
    const ref = `localhost/ndp/gc-test:${crypto.randomUUID().slice(0, 8)}`;
    try {
      await tag(ref);
      await withHarness(async (h) => {
        const t = await h.task({ config: taskConfig(ref, "exit 0") });
        await h.start(t);
        await h.client.waitTask(t.id, 30_000);
        await h.client.destroyTask(t.id, true);
        await sleep(2_000);
        assert.ok(await imageExists(ref), "kept without gc.image");
      }, `gc {\n  image_delay = "1s"\n}`);
    } finally {
      await podmanCli("rmi", ref);
    }
  },
});
