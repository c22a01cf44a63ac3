/**
 * Every default of the reference's schemas (inventory §1 plugin options,
 * §2 task options), checked against what our schemas give an absent option
 * (decoded like Nomad does: HCL → hcldec → cty msgpack) and what the decoder
 * then makes of it. Deliberate differences are listed with their reason.
 */
import assert from "node:assert/strict";
import { encodeHclConfig } from "../support/harness/hcl_encode.ts";
import { decodeWithSpec, type Plain } from "../../src/config/cty_msgpack.ts";
import { decodePluginConfig, PLUGIN_CONFIG_SPEC } from "../../src/config/plugin_config.ts";
import { decodeTaskConfig, TASK_CONFIG_SPEC } from "../../src/config/task_config.ts";

/** [option path, the inventory's Default column, value our schema sends when absent]. */
type Row = [path: string, inventory: string, schema: Plain];

// Inventory §1 (plugin).
const PLUGIN: Row[] = [
  ["socket_path", "computed (uid 0: unix:///run/podman/podman.sock)", null],
  ["socket", "none", []],
  ["volumes.enabled", "{ enabled = true }", true],
  ["gc.container", "true", true],
  ["recover_stopped", "false", false],
  ["extra_labels", "none", null],
  ["logging.driver", '{ driver = "nomad", options = {} }', "nomad"],
  ["logging.options", '{ driver = "nomad", options = {} }', []],
  ["networking", '""', null],
  ["disable_log_collection", "false", false],
  ["client_http_timeout", "README 60s (code: none)", "60s"],
  ["dns_servers", "none", null],
  ["auth", "none", null],
];

// Inventory §2 (task): options with a default other than "unset".
const TASK: Row[] = [
  ["image_pull_timeout", '"5m"', "5m"],
  ["force_pull", "false", null],
  ["arch", '""', null],
  ["auth_soft_fail", "false", null],
  ["init", "false", null],
  ["init_path", '""', null],
  ["logging", "plugin logging", null],
  ["memory_swappiness", "0 (sent on cgroup v1 only)", null],
  ["network_mode", '""', null],
  ["oom_score_adj", "0", null],
  ["pids_limit", "0", null],
  ["privileged", "false", null],
  ["readonly_rootfs", "false", null],
  ["tty", "false", null],
  ["cpu_hard_limit", "false", null],
  ["cpu_cfs_period", "100000", 100000],
  ["socket", '"default"', "default"],
];

function at(obj: Plain, path: string): Plain {
  let v: Plain = obj;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return null;
    v = (v as Record<string, Plain>)[k] ?? null;
  }
  return v;
}

Deno.test("schema defaults: plugin options absent → the reference's defaults (inventory §1)", async () => {
  const bytes = await encodeHclConfig("", PLUGIN_CONFIG_SPEC);
  const sent = decodeWithSpec(bytes, PLUGIN_CONFIG_SPEC);
  for (const [path, inventory, schema] of PLUGIN) {
    assert.deepEqual(at(sent, path), schema, `${path} (inventory: ${inventory})`);
  }
  const c = decodePluginConfig(bytes, { uid: 0 });
  assert.deepEqual(c.sockets, [{ name: "default", socketPath: "unix:///run/podman/podman.sock" }]);
  assert.equal(c.volumes.enabled, true);
  assert.equal(c.gc.container, true);
  assert.equal(c.recoverStopped, false);
  assert.deepEqual(c.extraLabels, []);
  assert.deepEqual(c.logging, { driver: "nomad", options: {} });
  assert.equal(c.networking.defaultRootlessMode, "");
  assert.equal(c.disableLogCollection, false);
  // Deliberate: the reference's code has no timeout when unset; its README (and we) say 60 s.
  assert.equal(c.clientHttpTimeoutMs, 60_000);
  assert.deepEqual(c.dnsServers, []);
  assert.deepEqual(c.auth, { config: "", helper: "" });
});

Deno.test("schema defaults: task options absent → the reference's defaults (inventory §2)", async () => {
  const bytes = await encodeHclConfig('image = "busybox"', TASK_CONFIG_SPEC);
  const sent = decodeWithSpec(bytes, TASK_CONFIG_SPEC);
  for (const [path, inventory, schema] of TASK) {
    assert.deepEqual(at(sent, path), schema, `${path} (inventory: ${inventory})`);
  }
  const c = decodeTaskConfig(bytes);
  assert.equal(c.imagePullTimeoutMs, 300_000);
  assert.equal(c.forcePull, false);
  assert.deepEqual([c.arch, c.os, c.variant], ["", "", ""]);
  assert.equal(c.authSoftFail, false);
  assert.equal(c.entrypoint, undefined, "image default");
  assert.equal(c.command, "", "image default");
  assert.deepEqual([c.init, c.initPath], [false, ""]);
  assert.equal(c.logging, undefined, "plugin logging applies");
  // Deliberate: the reference sends Go's zero (0) on cgroup v1 because it cannot tell "unset";
  // unset here leaves Podman's/the kernel's default.
  assert.equal(c.memorySwappiness, undefined);
  assert.equal(c.networkMode, "");
  assert.equal(c.oomScoreAdj, 0);
  assert.equal(c.pidsLimit, 0);
  assert.deepEqual([c.privileged, c.readonlyRootfs, c.tty, c.cpuHardLimit], [
    false,
    false,
    false,
    false,
  ]);
  assert.equal(c.cpuCfsPeriod, 100_000);
  assert.equal(c.socket, "default");
  // auth { tls_verify } defaults to true inside the block (inventory: "should default to true").
  const auth = decodeTaskConfig(
    await encodeHclConfig('image = "b"\nauth {\n username = "u"\n}', TASK_CONFIG_SPEC),
  );
  assert.equal(auth.auth?.tlsVerify, true);
});
