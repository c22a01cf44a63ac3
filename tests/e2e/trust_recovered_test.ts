/**
 * Issue 12 (trust): what a fresh plugin knows after a restart, and the
 * plugin defaults Nomad sends. Image GC works the same for a recovered task
 * (the image reference is in the driver state); a plugin block without
 * `logging` decodes to the nomad log driver.
 */
import assert from "node:assert/strict";
import { defaultPluginConfig, Harness, NEEDS_PODMAN } from "../support/harness/mod.ts";
import { encodeHclConfig } from "../support/harness/hcl_encode.ts";
import { decodeWithSpec } from "../../src/config/cty_msgpack.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import {
  eventually,
  inspectRaw,
  nameOf,
  podman,
  podmanCli,
  TEST_IMAGE,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const GC = `gc {\n  image = true\n  image_delay = "1s"\n}`;

async function imageExists(ref: string): Promise<boolean> {
  return (await podmanCli("image", "exists", ref)).code === 0;
}

Deno.test({
  ...opts,
  name: "trust gc: a recovered task's image is removed after the delay once the task is destroyed",
  fn: async () => {
    const ref = `localhost/ndp/gc-recover:${crypto.randomUUID().slice(0, 8)}`;
    const tagged = await podmanCli("tag", TEST_IMAGE, ref);
    assert.equal(tagged.code, 0, tagged.stderr);
    const h1 = await Harness.start({ pluginConfig: defaultPluginConfig(GC) });
    let h2: Harness | undefined;
    const t = await h1.task({ config: `image = "${ref}"\ncommand = "sleep"\nargs = ["300"]` });
    try {
      const resp = await h1.start(t);
      h1.plugin.kill("SIGKILL");
      assert.ok(await h1.plugin.waitExit(5000), "plugin survived SIGKILL");
      h2 = await Harness.start({ pluginConfig: defaultPluginConfig(GC) });
      await h2.client.recoverTask(resp.handle as ProtoMessage);
      await h2.client.destroyTask(t.id, true);
      const destroyedAt = Date.now();
      await eventually(async () => !(await imageExists(ref)), 15_000, `${ref} removed`);
      assert.ok(Date.now() - destroyedAt >= 800, "removed before image_delay");
      assert.ok(await imageExists(TEST_IMAGE), "the shared test image is untouched");
    } finally {
      if (h2) await h2.close();
      await podman.containers.remove(nameOf(t), { force: true, volumes: true }).catch(() => {});
      await h1.close();
      await podmanCli("rmi", ref);
    }
  },
});

Deno.test({
  ...opts,
  name:
    'trust defaults: a plugin block without logging decodes to driver = "nomad"; tasks log through k8s-file',
  fn: () =>
    withHarness(async (h) => {
      const spec = await h.client.configSchema();
      const sent = decodeWithSpec(await encodeHclConfig(defaultPluginConfig(), spec), spec);
      const logging = sent.logging as { driver?: unknown; options?: unknown } | null;
      assert.equal(logging?.driver, "nomad");
      assert.deepEqual(logging?.options, []);
      const t = await h.task({
        config: `image = "${TEST_IMAGE}"\ncommand = "sleep"\nargs = ["30"]`,
      });
      await h.start(t);
      const raw = await inspectRaw(nameOf(t));
      const logType = (raw?.HostConfig as { LogConfig?: { Type?: string } } | undefined)?.LogConfig
        ?.Type;
      assert.equal(logType, "k8s-file");
    }),
});
