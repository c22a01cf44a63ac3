import assert from "node:assert/strict";
import { encode } from "@msgpack/msgpack";
import { encodeHclConfig, encodeJsonConfig } from "../../tests/support/harness/hcl_encode.ts";
import { ConfigError } from "./errors.ts";
import { decodeTaskConfig, TASK_CONFIG_SPEC } from "./task_config.ts";
import type { TaskConfig } from "./types.ts";

const FIXTURES = new URL("../../tests/unit/fixtures/config/", import.meta.url);
const VARS = { NOMAD_TASK_DIR: "/alloc/web/local" };

async function task(hcl: string): Promise<TaskConfig> {
  return decodeTaskConfig(await encodeHclConfig(hcl, TASK_CONFIG_SPEC, { variables: VARS }));
}

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

async function assertTaskError(hcl: string, field: string, value: unknown): Promise<void> {
  const bytes = await encodeHclConfig(`image = "alpine"\n${hcl}`, TASK_CONFIG_SPEC);
  assertConfigError(() => decodeTaskConfig(bytes), field, value);
}

const MINIMAL: TaskConfig = {
  image: "alpine",
  imagePullTimeoutMs: 300_000,
  forcePull: false,
  arch: "",
  os: "",
  variant: "",
  auth: undefined,
  authSoftFail: false,
  entrypoint: undefined,
  command: "",
  args: [],
  workingDir: "",
  hostname: "",
  init: false,
  initPath: "",
  labels: {},
  logging: undefined,
  memoryReservation: undefined,
  memorySwap: undefined,
  memorySwappiness: undefined,
  networkMode: "",
  ipcMode: "",
  ipv4Address: "",
  ipv6Address: "",
  staticIps: [],
  staticMac: "",
  extraHosts: [],
  oomScoreAdj: 0,
  pidsLimit: 0,
  ports: [],
  portMap: {},
  capAdd: [],
  capDrop: [],
  selinuxOpts: [],
  apparmorProfile: "",
  securityOpt: [],
  privileged: false,
  readonlyRootfs: false,
  tty: false,
  sysctl: {},
  ulimit: {},
  cpuHardLimit: false,
  cpuCfsPeriod: 100_000,
  devices: [],
  tmpfs: [],
  volumes: [],
  userns: "",
  shmSize: undefined,
  socket: "default",
  healthchecks: undefined,
};

Deno.test("task config: only image gives every default", async () => {
  assert.deepEqual(await task('image = "alpine"'), MINIMAL);
});

Deno.test("task config: every option round-trips HCL → msgpack → TaskConfig", async () => {
  const hcl = await Deno.readTextFile(new URL("task_full.hcl", FIXTURES));
  assert.deepEqual(
    await task(hcl),
    {
      image: "docker.io/library/alpine:3.19",
      imagePullTimeoutMs: 90_000,
      forcePull: true,
      arch: "arm64",
      os: "linux",
      variant: "v8",
      auth: { username: "user", password: "s3cret", tlsVerify: false },
      authSoftFail: true,
      entrypoint: ["/bin/sh", "-c"],
      command: "echo",
      args: ["hello", "42", "/alloc/web/local"],
      workingDir: "/work",
      hostname: "box",
      init: true,
      initPath: "/usr/libexec/podman/catatonit",
      labels: { "com.example.team": "infra", tier: "backend" },
      logging: { driver: "nomad", options: { "max-size": "10m" } },
      memoryReservation: 64 * 1024 ** 2,
      memorySwap: -1,
      memorySwappiness: 60,
      networkMode: "bridge",
      ipcMode: "shareable",
      ipv4Address: "10.88.0.10",
      ipv6Address: "fd00::10",
      staticIps: ["10.88.0.11"],
      staticMac: "02:42:ac:11:00:02",
      extraHosts: ["db.local:10.0.0.5", "v6.local:::1"],
      oomScoreAdj: -500,
      pidsLimit: 128,
      ports: ["http", "metrics"],
      portMap: {},
      capAdd: ["NET_ADMIN"],
      capDrop: ["MKNOD"],
      selinuxOpts: ["type:container_t"],
      apparmorProfile: "unconfined",
      securityOpt: [
        "no-new-privileges",
        "label=disable",
        "seccomp:unconfined",
        "proc-opts=subset=pid",
        "mask=/proc/acpi:/proc/kcore",
        "unmask=ALL",
        "systempaths=unconfined",
        "apparmor=unconfined",
        "label=nested",
      ],
      privileged: true,
      readonlyRootfs: true,
      tty: true,
      sysctl: { "net.core.somaxconn": "1024" },
      ulimit: { nofile: "1024:2048", nproc: "64" },
      cpuHardLimit: true,
      cpuCfsPeriod: 50_000,
      devices: ["/dev/fuse", "/dev/net/tun:/dev/net/tun:rwm"],
      tmpfs: ["/scratch:size=64m,mode=1777"],
      volumes: ["/srv/data:/data:ro,z"],
      userns: "keep-id:uid=1000,gid=1000",
      shmSize: 128 * 1024 ** 2,
      socket: "rootless",
      healthchecks: {
        disable: false,
        test: ["CMD", "wget", "-q", "-O-", "http://localhost:8080/health"],
        intervalMs: 15_000,
        timeoutMs: 3_000,
        retries: 4,
        startPeriodMs: 0,
      },
    } satisfies TaskConfig,
  );
});

Deno.test("task config: map options accept attribute and block syntax, lists merge", async () => {
  const a = await task('image = "a"\nlabels = { x = "1" }\nport_map = { http = 8080 }');
  const b = await task('image = "a"\nlabels {\n x = "1"\n}\nport_map {\n http = "8080"\n}');
  assert.deepEqual(a.labels, { x: "1" });
  assert.deepEqual(a.portMap, { http: 8080 });
  assert.deepEqual(b, a);
  const c = await task('image = "a"\nlabels = [{ x = "1" }, { y = "2", x = "3" }]');
  assert.deepEqual(c.labels, { x: "3", y: "2" });
});

Deno.test("task config: entrypoint as string (deprecated) or list", async () => {
  const warnings: string[] = [];
  const bytes = await encodeHclConfig('image = "a"\nentrypoint = "/init"', TASK_CONFIG_SPEC);
  const c = decodeTaskConfig(bytes, { onWarning: (m) => warnings.push(m) });
  assert.deepEqual(c.entrypoint, ["/init"]);
  assert.equal(warnings.length, 1);
  // An object literal arrives as a one-element list of objects.
  await assertTaskError("entrypoint = { a = 1 }", "entrypoint[0]", { a: 1 });
});

Deno.test("task config: logging", async () => {
  assert.equal((await task('image = "a"\nlogging {}')).logging, undefined);
  assert.deepEqual((await task('image = "a"\nlogging {\n driver = "journald"\n}')).logging, {
    driver: "journald",
    options: {},
  });
  assert.deepEqual((await task('image = "a"\nlogging {\n options = { tag = "t" }\n}')).logging, {
    driver: "nomad",
    options: { tag: "t" },
  });
  await assertTaskError('logging {\n driver = "json-file"\n}', "logging.driver", "json-file");
});

Deno.test("task config: sizes", async () => {
  const c = await task(
    'image = "a"\nmemory_reservation = "1G"\nmemory_swap = "512kb"\nshm_size = "10b"',
  );
  assert.equal(c.memoryReservation, 1024 ** 3);
  assert.equal(c.memorySwap, 512 * 1024);
  assert.equal(c.shmSize, 10);
  assert.equal((await task('image = "a"\nmemory_swap = "4096"')).memorySwap, 4096);
  await assertTaskError('memory_swap = "12x"', "memory_swap", "12x");
  await assertTaskError('memory_reservation = "100"', "memory_reservation", "100");
  await assertTaskError('shm_size = "-1"', "shm_size", "-1");
  await assertTaskError('shm_size = "1m"\nipc_mode = "host"', "shm_size", "1m");
});

Deno.test("task config: value errors name field and value", async () => {
  const cases: [string, string, unknown][] = [
    ['image_pull_timeout = "5 parsecs"', "image_pull_timeout", "5 parsecs"],
    ["cpu_cfs_period = 5000000", "cpu_cfs_period", 5_000_000],
    ["cpu_cfs_period = 999", "cpu_cfs_period", 999],
    ["cpu_cfs_period = 1500.5", "cpu_cfs_period", 1500.5],
    ["memory_swappiness = 101", "memory_swappiness", 101],
    ["oom_score_adj = -1001", "oom_score_adj", -1001],
    ["pids_limit = -1", "pids_limit", -1],
    ['extra_hosts = ["example.com"]', "extra_hosts[0]", "example.com"],
    ['extra_hosts = ["ok:1.2.3.4", ":1.2.3.4"]', "extra_hosts[1]", ":1.2.3.4"],
    ['extra_hosts = ["host:"]', "extra_hosts[0]", "host:"],
    ['ulimit = { nofile = "lots" }', "ulimit.nofile", "lots"],
    ['ulimit = { nofile = "1:x" }', "ulimit.nofile", "1:x"],
    ['ulimit = { nofile = "" }', "ulimit.nofile", ""],
    ['ulimit = { bogus = "1" }', "ulimit.bogus", "bogus"],
    ['security_opt = ["privileged"]', "security_opt[0]", "privileged"],
    ['security_opt = ["seccomp="]', "security_opt[0]", "seccomp="],
    ['security_opt = ["systempaths=confined"]', "security_opt[0]", "systempaths=confined"],
    ['userns = "weird"', "userns", "weird"],
    ['userns = "keep-id:uid=x"', "userns", "keep-id:uid=x"],
    ['userns = "auto:size=abc"', "userns", "auto:size=abc"],
    ['userns = "ns:"', "userns", "ns:"],
    ['userns = "host:x"', "userns", "host:x"],
    ['ipc_mode = "bogus"', "ipc_mode", "bogus"],
    ['ipv4_address = "fd00::1"', "ipv4_address", "fd00::1"],
    ['ipv6_address = "10.0.0.1"', "ipv6_address", "10.0.0.1"],
    ['static_ips = ["nope"]', "static_ips[0]", "nope"],
    ['static_mac = "02:42"', "static_mac", "02:42"],
    ["port_map = { http = 70000 }", "port_map.http", 70000],
  ];
  for (const [hcl, field, value] of cases) await assertTaskError(hcl, field, value);
  await assertTaskError('ports = ["http"]\nport_map = { http = 80 }', "port_map", { http: 80 });
  const blank = await encodeHclConfig('image = "  "', TASK_CONFIG_SPEC);
  assertConfigError(() => decodeTaskConfig(blank), "image", "  ");
});

Deno.test("task config: accepted userns and security_opt forms", async () => {
  for (
    const u of [
      "",
      "host",
      "private",
      "nomap",
      "auto",
      "auto:size=65536",
      "auto:uidmapping=0:1000:1,gidmapping=0:1000:1,size=1024",
      "keep-id",
      "keep-id:uid=1000",
      "ns:/proc/1/ns/user",
    ]
  ) {
    assert.equal((await task(`image = "a"\nuserns = "${u}"`)).userns, u);
  }
});

Deno.test("task config: healthchecks block: disable, shell or exec cmd, bad values named", async () => {
  const d = async (hcl: string) =>
    decodeTaskConfig(await encodeHclConfig(`image = "a"\n${hcl}`, TASK_CONFIG_SPEC));
  assert.deepEqual((await d("healthchecks {\n disable = true\n}")).healthchecks, {
    disable: true,
    test: undefined,
    intervalMs: undefined,
    timeoutMs: undefined,
    retries: undefined,
    startPeriodMs: undefined,
  });
  assert.deepEqual((await d('healthchecks {\n cmd = "test -e /x"\n}')).healthchecks?.test, [
    "CMD-SHELL",
    "test -e /x",
  ]);
  assert.equal((await d("")).healthchecks, undefined);
  await assert.rejects(d('healthchecks {\n interval = "soon"\n}'), /healthchecks\.interval/);
  await assert.rejects(d("healthchecks {\n retries = 0\n}"), /healthchecks\.retries/);
  await assert.rejects(
    d('healthchecks {\n disable = true\n cmd = "true"\n}'),
    /healthchecks\.disable.*cannot be combined/,
  );
});

Deno.test("task config: type errors and unknown keys", async () => {
  // Nomad rejects these before us...
  await assert.rejects(encodeHclConfig('image = "a"\ntty = "maybe"', TASK_CONFIG_SPEC), /tty/);
  await assert.rejects(
    encodeHclConfig('image = "a"\nhealth_checks = {}', TASK_CONFIG_SPEC),
    /health_checks/,
  );
  await assert.rejects(encodeHclConfig("tty = true", TASK_CONFIG_SPEC), /image.*required/);
  await assert.rejects(
    encodeHclConfig('image = "a"\nauth {\n user = "x"\n}', TASK_CONFIG_SPEC),
    /auth\.user/,
  );
  // ...and the decoder rejects such bytes too.
  assertConfigError(() => decodeTaskConfig(encode({ image: "a", tty: "yes" })), "tty", "yes");
  assertConfigError(
    () => decodeTaskConfig(encode({ image: "a", healthchecks: 1 })),
    "healthchecks",
    1,
  );
  assertConfigError(
    () => decodeTaskConfig(encode({ image: "a", auth: { tls_verify: "no" } })),
    "auth.tls_verify",
    "no",
  );
  assertConfigError(() => decodeTaskConfig(encode({ image: true })), "image", true);
  assertConfigError(() => decodeTaskConfig(encode({})), "image", undefined);
});

Deno.test("task config: password is never echoed in errors", () => {
  assert.throws(
    () => decodeTaskConfig(encode({ image: "a", auth: { password: ["hunter2"] } })),
    (e: unknown) => e instanceof ConfigError && e.field === "auth.password",
  );
  const err = new ConfigError("auth.password", "hunter2", "bad");
  assert.ok(!err.message.includes("hunter2"));
  assert.ok(err.message.includes("auth.password"));
});

Deno.test("task config: JSON-submitted job with plain numbers as strings", () => {
  const c = decodeTaskConfig(
    encodeJsonConfig(
      { image: "a", cpu_cfs_period: "20000", memory_swappiness: "0", labels: [{ a: "b" }] },
      TASK_CONFIG_SPEC,
    ),
  );
  assert.equal(c.cpuCfsPeriod, 20_000);
  assert.equal(c.memorySwappiness, 0);
  assert.deepEqual(c.labels, { a: "b" });
});
