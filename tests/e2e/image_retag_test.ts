/**
 * A reference retagged between two StartTasks starts the new image: nothing
 * between the plugin and Podman may remember what a reference named.
 *
 * @module
 */
import assert from "node:assert/strict";
import { NEEDS_PODMAN, TEST_IMAGE } from "../support/harness/mod.ts";
import { inspectRaw, nameOf, podmanCli, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const OTHER_IMAGE = Deno.env.get("NDP_TEST_HEALTH_IMAGE") ?? "localhost/ndp/busybox-health:latest";
const PROBE = "localhost/ndp/image-retag-probe:latest";

async function imageId(ref: string): Promise<string> {
  const out = await podmanCli("image", "inspect", "--format", "{{.Id}}", ref);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.trim();
}

async function tag(image: string, name: string): Promise<void> {
  const out = await podmanCli("tag", image, name);
  assert.equal(out.code, 0, out.stderr);
}

Deno.test({
  ...opts,
  name: "images: a reference retagged between two starts starts the new image",
  fn: async () => {
    const first = await imageId(TEST_IMAGE);
    const second = await imageId(OTHER_IMAGE);
    assert.notEqual(first, second);
    await tag(TEST_IMAGE, PROBE);
    try {
      await withHarness(async (h) => {
        const run = async () => {
          const t = await h.task({
            config: `image = "${PROBE}"\ncommand = "sleep"\nargs = ["300"]`,
          });
          await h.start(t);
          const raw = await inspectRaw(nameOf(t));
          await h.client.destroyTask(t.id, true);
          return String(raw?.Image);
        };
        assert.equal(await run(), first);
        assert.equal(await run(), first, "the same reference again");
        await tag(OTHER_IMAGE, PROBE); // moves the name: untag + tag events
        await new Promise((r) => setTimeout(r, 500));
        assert.equal(await run(), second, "the retagged reference");
      });
    } finally {
      // Only the probe's name goes: both images keep their own.
      await podmanCli("untag", second, PROBE);
      await podmanCli("untag", first, PROBE);
    }
  },
});
