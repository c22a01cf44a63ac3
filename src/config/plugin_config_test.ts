import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { encodeHclConfig, encodeJsonConfig } from "../../tests/support/harness/hcl_encode.ts";
import { ConfigError } from "./errors.ts";
import {
  decodePluginConfig,
  defaultSocketPath,
  findSocket,
  PLUGIN_CONFIG_SPEC,
} from "./plugin_config.ts";
import type { PluginConfig } from "./types.ts";

const FIXTURES = new URL("../../tests/unit/fixtures/config/", import.meta.url);

async function plugin(hcl: string, uid = 0): Promise<PluginConfig> {
  return decodePluginConfig(await encodeHclConfig(hcl, PLUGIN_CONFIG_SPEC), { uid });
}

/** Asserts a ConfigError naming `field`, with both field and value in the message. */
function assertConfigError(fn: () => unknown, field: string, value: unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${e}`);
    assert.equal(e.field, field);
    assert.deepEqual(e.value, value);
    assert.ok(e.message.includes(field), e.message);
    if (typeof value === "string") assert.ok(e.message.includes(value), e.message);
    return true;
  });
}

async function assertPluginError(hcl: string, field: string, value: unknown): Promise<void> {
  const bytes = await encodeHclConfig(hcl, PLUGIN_CONFIG_SPEC);
  assertConfigError(() => decodePluginConfig(bytes, { uid: 0 }), field, value);
}

const DEFAULTS: PluginConfig = {
  sockets: [{ name: "default", socketPath: "unix:///run/podman/podman.sock" }],
  volumes: { enabled: true, selinuxLabel: "", allowedRoots: ["/"] },
  policy: {
    allowPrivileged: true,
    allowCaps: ["all"],
    allowHostNetwork: true,
    allowDevices: ["*"],
    allowRuntimeOptions: ["all"],
  },
  gc: { container: true, image: false, imageDelayMs: 180_000 },
  recoverStopped: false,
  extraLabels: [],
  logging: { driver: "nomad", options: {} },
  networking: { defaultRootlessMode: "" },
  disableLogCollection: false,
  journaldReader: "auto",
  clientHttpTimeoutMs: 60_000,
  dnsServers: [],
  auth: { config: "", helper: "" },
  danglingContainers: { enabled: true, periodMs: 300_000, creationGraceMs: 300_000 },
  imageArchiveRoots: [],
  rootlessWithoutLimits: false,
};

Deno.test("plugin config: empty block gives every default", async () => {
  assert.deepEqual(await plugin(""), DEFAULTS);
  // No bytes at all (no schema sent) decodes the same way.
  assert.deepEqual(decodePluginConfig(new Uint8Array(), { uid: 0 }), DEFAULTS);
});

Deno.test("plugin config: every option round-trips HCL → msgpack → PluginConfig", async () => {
  const hcl = await Deno.readTextFile(new URL("plugin_full.hcl", FIXTURES));
  assert.deepEqual(
    await plugin(hcl),
    {
      sockets: [
        // The unnamed block becomes "default" and moves first (sockets[0] is the default).
        { name: "default", socketPath: "unix:///run/podman/podman.sock" },
        { name: "rootless", socketPath: "unix:///run/user/1000/podman/podman.sock" },
      ],
      volumes: { enabled: false, selinuxLabel: "z", allowedRoots: ["/srv/data", "/opt/shared"] },
      policy: {
        allowPrivileged: false,
        allowCaps: ["CHOWN", "NET_RAW"],
        allowHostNetwork: false,
        allowDevices: ["/dev/fuse", "/dev/nvidia*"],
        allowRuntimeOptions: ["seccomp=unconfined"],
      },
      gc: { container: false, image: true, imageDelayMs: 3_723_500 },
      recoverStopped: true,
      extraLabels: ["job_name", "task*"],
      logging: { driver: "journald", options: { tag: "nomad", labels: "a,b" } },
      networking: { defaultRootlessMode: "pasta" },
      disableLogCollection: true,
      journaldReader: "podman",
      clientHttpTimeoutMs: 120_000,
      dnsServers: ["1.1.1.1", "2606:4700:4700::1111"],
      auth: { config: "/etc/containers/auth.json", helper: "ecr-login" },
      danglingContainers: { enabled: false, periodMs: 300, creationGraceMs: 0.005 },
      imageArchiveRoots: ["/srv/images"],
      rootlessWithoutLimits: true,
    } satisfies PluginConfig,
  );
});

Deno.test("plugin config: partial blocks keep inner defaults", async () => {
  const c = await plugin('volumes {\n selinuxlabel = "z"\n}\ngc {\n image = true\n}');
  assert.deepEqual(c.volumes, { enabled: true, selinuxLabel: "z", allowedRoots: ["/"] });
  assert.deepEqual(c.gc, { container: true, image: true, imageDelayMs: 180_000 });
  assert.deepEqual((await plugin("logging {}")).logging, { driver: "nomad", options: {} });
});

Deno.test("plugin config: journald_reader is auto or podman, anything else names the field", async () => {
  assert.equal((await plugin('journald_reader = "podman"')).journaldReader, "podman");
  await assert.rejects(plugin('journald_reader = "journal"'), /journald_reader.*"journal"/s);
});

Deno.test("plugin config: default socket depends on uid", async () => {
  assert.equal(defaultSocketPath(0), "unix:///run/podman/podman.sock");
  assert.deepEqual((await plugin("", 1000)).sockets, [
    { name: "default", socketPath: "unix:///run/user/1000/podman/podman.sock" },
  ]);
  assert.deepEqual((await plugin('socket_path = "unix:///tmp/p.sock"', 1000)).sockets, [
    { name: "default", socketPath: "unix:///tmp/p.sock" },
  ]);
});

Deno.test("plugin config: socket named default goes first; findSocket", async () => {
  const c = await plugin(
    'socket {\n name = "a"\n socket_path = "/a.sock"\n}\n' +
      'socket {\n name = "default"\n socket_path = "http://127.0.0.1:8080"\n}',
  );
  assert.deepEqual(c.sockets.map((s) => s.name), ["default", "a"]);
  assert.equal(findSocket(c, "default")?.socketPath, "http://127.0.0.1:8080");
  assert.equal(findSocket(c, "a")?.socketPath, "/a.sock");
  assert.equal(findSocket(c, "zzz"), undefined);
  const first = await plugin('socket {\n name = "r"\n socket_path = "/r.sock"\n}');
  assert.equal(findSocket(first, "default")?.name, "r");
});

Deno.test("plugin config: socket errors", async () => {
  await assertPluginError(
    'socket_path = "unix:///a"\nsocket {\n socket_path = "unix:///b"\n}',
    "socket_path",
    "unix:///a",
  );
  await assertPluginError(
    'socket {\n socket_path = "/a"\n}\nsocket {\n name = "default"\n socket_path = "/b"\n}',
    "socket[1].name",
    "default",
  );
  await assertPluginError(
    'socket {\n name = "x"\n socket_path = "/a"\n}\nsocket {\n name = "y"\n socket_path = "ftp://b"\n}',
    "socket[1].socket_path",
    "ftp://b",
  );
  // socket_path is required inside a socket block: Nomad rejects it before us.
  await assert.rejects(
    encodeHclConfig('socket {\n name = "x"\n}', PLUGIN_CONFIG_SPEC),
    /socket_path/,
  );
});

Deno.test("plugin config: value errors name field and value", async () => {
  await assertPluginError('client_http_timeout = "5 parsecs"', "client_http_timeout", "5 parsecs");
  await assertPluginError('client_http_timeout = "-5s"', "client_http_timeout", "-5s");
  await assertPluginError('gc {\n image_delay = "soon"\n}', "gc.image_delay", "soon");
  await assertPluginError(
    'dangling_containers {\n period = "1d"\n}',
    "dangling_containers.period",
    "1d",
  );
  await assertPluginError(
    'dns_servers = ["1.1.1.1", "dns.google"]',
    "dns_servers[1]",
    "dns.google",
  );
  await assertPluginError('logging {\n driver = "syslog"\n}', "logging.driver", "syslog");
});

Deno.test('plugin config: wrong type (recover_stopped = "maybe")', async () => {
  // Nomad's own decode rejects it...
  await assert.rejects(
    encodeHclConfig('recover_stopped = "maybe"', PLUGIN_CONFIG_SPEC),
    /recover_stopped.*a bool is required/,
  );
  // ...and so do we if such bytes ever arrive.
  const bytes = encode({ recover_stopped: "maybe" });
  assertConfigError(() => decodePluginConfig(bytes, { uid: 0 }), "recover_stopped", "maybe");
});

Deno.test("plugin config: unknown keys are rejected, naming the key", async () => {
  await assert.rejects(
    encodeHclConfig("allow_everything = true", PLUGIN_CONFIG_SPEC),
    /allow_everything/,
  );
  assertConfigError(
    () => decodePluginConfig(encode({ allow_everything: true }), { uid: 0 }),
    "allow_everything",
    true,
  );
  assertConfigError(
    () => decodePluginConfig(encode({ gc: { container: true, bogus: 1 } }), { uid: 0 }),
    "gc.bogus",
    1,
  );
});

Deno.test("plugin config: JSON-shaped input works too", () => {
  const bytes = encodeJsonConfig(
    { logging: { driver: "", options: [{ a: "1" }, { b: "2" }] }, extra_labels: ["*"] },
    PLUGIN_CONFIG_SPEC,
  );
  const c = decodePluginConfig(bytes, { uid: 0 });
  assert.deepEqual(c.logging, { driver: "nomad", options: { a: "1", b: "2" } });
  assert.deepEqual(c.extraLabels, ["*"]);
});
