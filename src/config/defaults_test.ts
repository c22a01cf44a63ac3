import assert from "node:assert/strict";
import { encodeHclConfig } from "../../tests/support/harness/hcl_encode.ts";
import { ConfigError } from "./errors.ts";
import { decodePluginConfig, defaultPluginConfig, PLUGIN_CONFIG_SPEC } from "./plugin_config.ts";
import { decodeTaskConfig, defaultTaskConfig, TASK_CONFIG_SPEC } from "./task_config.ts";

Deno.test("defaultTaskConfig: what a block with only `image` decodes to", async () => {
  const bytes = await encodeHclConfig(`image = "alpine"`, TASK_CONFIG_SPEC);
  assert.deepEqual(defaultTaskConfig("alpine"), decodeTaskConfig(bytes));
});

Deno.test("defaultTaskConfig: an empty image is rejected as the decoder rejects it", () => {
  assert.throws(
    () => defaultTaskConfig(" "),
    (e) => e instanceof ConfigError && e.field === "image",
  );
});

Deno.test("defaultPluginConfig: what an empty config block decodes to, per uid", async () => {
  for (const uid of [0, 1000]) {
    const bytes = await encodeHclConfig("", PLUGIN_CONFIG_SPEC);
    assert.deepEqual(defaultPluginConfig({ uid }), decodePluginConfig(bytes, { uid }));
  }
  assert.equal(
    defaultPluginConfig({ uid: 1000 }).sockets[0]!.socketPath,
    "unix:///run/user/1000/podman/podman.sock",
  );
});

Deno.test("defaultPluginConfig: a fresh object each call (callers may mutate it)", () => {
  const a = defaultPluginConfig({ uid: 0 });
  a.gc.imageDelayMs = 0;
  assert.equal(defaultPluginConfig({ uid: 0 }).gc.imageDelayMs, 180_000);
});
