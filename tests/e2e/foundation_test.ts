/**
 * The foundation through the real plugin protocol: handshake, go-plugin
 * services, schemas, SetConfig, Fingerprint, lifecycle of the process.
 */
import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import {
  defaultPluginConfig,
  Harness,
  NEEDS_PODMAN,
  PODMAN_SOCKET,
  REPO_ROOT,
  runPluginCommand,
} from "../support/harness/mod.ts";
import type { Spec } from "../../src/hclspec/mod.ts";
import { assertHclogLines } from "./_hclog.ts";

const PLUGIN_OPTIONS = [
  "socket_path",
  "socket",
  "volumes",
  "gc",
  "recover_stopped",
  "extra_labels",
  "logging",
  "networking",
  "disable_log_collection",
  "client_http_timeout",
  "dns_servers",
  "auth",
];
const TASK_OPTIONS = (
  "image image_pull_timeout force_pull arch os variant auth auth_soft_fail entrypoint command args " +
  "working_dir hostname init init_path labels logging memory_reservation memory_swap memory_swappiness " +
  "network_mode ipc_mode ipv4_address ipv6_address static_ips static_mac extra_hosts oom_score_adj " +
  "pids_limit ports port_map cap_add cap_drop selinux_opts apparmor_profile security_opt privileged " +
  "readonly_rootfs tty sysctl ulimit cpu_hard_limit cpu_cfs_period devices tmpfs volumes userns shm_size socket"
).split(" ");

/** Top-level option names of an object spec. */
function optionNames(spec: Spec): string[] {
  const attrs = (spec as { object?: { attributes?: Record<string, unknown> } }).object?.attributes;
  return Object.keys(attrs ?? {});
}

async function withHarness(
  fn: (h: Harness) => Promise<void>,
  options: Parameters<typeof Harness.start>[0] = {},
): Promise<void> {
  const h = await Harness.start(options);
  try {
    await fn(h);
  } finally {
    await h.close();
    assertHclogLines(h.plugin.stderrLines);
  }
}

Deno.test("plugin: handshake, health SERVING, PluginInfo and both schemas", async () => {
  await withHarness(async (h) => {
    assert.match(h.plugin.handshake, /^1\|2\|unix\|\/.+\|grpc\|$/);
    assert.equal(await h.client.health("plugin"), 1);
    const info = await h.client.pluginInfo();
    assert.equal(info.type, 2);
    assert.equal(info.name, "podman");
    assert.deepEqual(info.plugin_api_versions, ["0.1.0"]);
    const version = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`)).version;
    assert.equal(info.plugin_version, version);
    const pluginNames = optionNames(await h.client.configSchema());
    for (const name of PLUGIN_OPTIONS) {
      assert.ok(pluginNames.includes(name), `plugin option ${name}`);
    }
    const taskNames = optionNames(await h.client.taskConfigSchema());
    for (const name of TASK_OPTIONS) assert.ok(taskNames.includes(name), `task option ${name}`);
    const caps = await h.client.capabilities();
    assert.equal(caps.send_signals, true);
    assert.equal(caps.exec, true);
    assert.equal(caps.fs_isolation, 2);
  }, { pluginConfig: null });
});

Deno.test("plugin: SetConfig accepts a block with every option", async () => {
  const full = Deno.readTextFileSync(`${REPO_ROOT}/tests/unit/fixtures/config/plugin_full.hcl`);
  await withHarness(async (h) => {
    await h.client.setConfigHcl(full);
    // Validation launch: SetConfig twice without nomad_config.
    await h.client.setConfigHcl(full, null);
    await h.client.setConfigHcl(full, null);
  }, { pluginConfig: null });
});

Deno.test("plugin: SetConfig errors name the key (Nomad-side and plugin-side)", async () => {
  await withHarness(async (h) => {
    // As Nomad's agent would: the HCL decode against the advertised spec fails first.
    await assert.rejects(h.client.setConfigHcl(`bogus_option = 1`), /bogus_option/);
    // The plugin itself also rejects what a broken client might send.
    const unknownKey = encode({ bogus_option: 1 });
    await assert.rejects(h.client.setConfigBytes(unknownKey), (err: Error & { code?: number }) => {
      assert.equal(err.code, 3); // INVALID_ARGUMENT
      assert.match(err.message, /bogus_option/);
      return true;
    });
    await assert.rejects(
      h.client.setConfigHcl(`client_http_timeout = "5 parsecs"`),
      (err: Error & { code?: number }) => {
        assert.equal(err.code, 3);
        assert.match(err.message, /client_http_timeout/);
        assert.match(err.message, /5 parsecs/);
        return true;
      },
    );
    await assert.rejects(h.client.setConfigHcl(`recover_stopped = "maybe"`), /recover_stopped/);
    await assert.rejects(
      h.client.setConfigBytes(encode({ recover_stopped: "maybe" })),
      /recover_stopped/,
    );
  }, { pluginConfig: null });
});

Deno.test({
  name: "plugin: Fingerprint is healthy against the private Podman with §3.11 attributes",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    await withHarness(async (h) => {
      const fp = h.client.fingerprint();
      const first = await fp.waitFor(() => true, 10_000);
      fp.cancel();
      assert.equal(first.health, 2, String(first.health_description));
      const attrs = first.attributes as Record<string, Record<string, unknown>>;
      assert.equal(attrs["driver.podman"]?.bool_val, true);
      assert.match(String(attrs["driver.podman.version"]?.string_val), /^\d+\.\d+\.\d+/);
      assert.equal(typeof attrs["driver.podman.rootless"]?.bool_val, "boolean");
      assert.match(String(attrs["driver.podman.cgroupVersion"]?.string_val), /v?[12]/);
      for (
        const k of [
          "health",
          "defaultPodman",
          "socketName",
          "appArmor",
          "capabilities",
          "seccompEnabled",
          "selinuxEnabled",
        ]
      ) {
        assert.ok(attrs[`driver.podman.${k}`], `driver.podman.${k}`);
      }
    });
  },
});

Deno.test("plugin: Fingerprint with a missing socket is undetected, with a reason, within 5 s", async () => {
  await withHarness(async (h) => {
    const start = Date.now();
    const fp = h.client.fingerprint();
    const first = await fp.waitFor(() => true, 5000);
    fp.cancel();
    assert.ok(Date.now() - start < 5000);
    assert.equal(first.health, 0);
    assert.match(String(first.health_description), /\/nonexistent\/podman\.sock/);
  }, { pluginConfig: `socket_path = "unix:///nonexistent/podman.sock"` });
});

Deno.test("plugin: Shutdown exits 0 within 2 s and removes the socket", async () => {
  const h = await Harness.start({ pluginConfig: null });
  try {
    await h.client.controllerShutdown();
    const status = await h.plugin.waitExit(2000);
    assert.ok(status, "plugin still running 2 s after Shutdown");
    assert.equal(status.code, 0);
    assert.throws(() => Deno.statSync(h.plugin.socketPath));
  } finally {
    await h.close();
  }
  assertHclogLines(h.plugin.stderrLines);
});

Deno.test("plugin: SIGTERM exits 0 within 2 s; SIGINT is ignored", async () => {
  const h = await Harness.start({ pluginConfig: null });
  try {
    h.plugin.kill("SIGINT");
    assert.equal(await h.plugin.waitExit(1000), undefined, "SIGINT stopped the plugin");
    assert.equal(await h.client.health(), 1);
    h.plugin.kill("SIGTERM");
    const status = await h.plugin.waitExit(2000);
    assert.ok(status, "plugin still running 2 s after SIGTERM");
    assert.equal(status.code, 0);
  } finally {
    await h.close();
  }
  assertHclogLines(h.plugin.stderrLines);
});

Deno.test("plugin: without the magic cookie it exits 1 with go-plugin's explanation", async () => {
  const out = await runPluginCommand({ noCookie: true });
  assert.equal(out.code, 1);
  assert.match(new TextDecoder().decode(out.stderr), /This binary is a plugin/);
  assert.equal(out.stdout.length, 0);
});

Deno.test("plugin: a client that reconnects (reattach) finds it serving, config intact", async () => {
  await withHarness(async (h) => {
    await h.client.setConfigHcl(defaultPluginConfig("disable_log_collection = true"));
    const before = await h.client.capabilities();
    assert.equal(before.disable_log_collection, true);
    const client = h.reconnect();
    assert.equal(await client.health(), 1);
    const info = await client.pluginInfo();
    assert.equal(info.name, "podman");
    const after = await client.capabilities();
    assert.equal(after.disable_log_collection, true);
  }, { pluginConfig: null });
});

Deno.test({
  name: "plugin: Fingerprint follows a Podman outage and recovery (within 35 s)",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const env = `${REPO_ROOT}/scripts/test_env.sh`;
    await withHarness(async (h) => {
      const fp = h.client.fingerprint();
      await fp.waitFor((m) => m.health === 2, 10_000);
      const mark = fp.messages.length;
      const pid = Number(Deno.readTextFileSync("/run/ndp-test/podman-service.pid").trim());
      Deno.kill(pid, "SIGTERM");
      try {
        const down = await fp.waitFor((m) => m.health !== 2, 35_000, mark);
        assert.match(
          String(down.health_description),
          new RegExp(PODMAN_SOCKET.replace(/[.]/g, "\\.")),
        );
      } finally {
        const start = await new Deno.Command("bash", { args: [env, "start"] }).output();
        assert.ok(start.success, new TextDecoder().decode(start.stderr));
      }
      await fp.waitFor((m) => m.health === 2, 35_000, mark + 1);
      fp.cancel();
    });
  },
});
