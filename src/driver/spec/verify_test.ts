import assert from "node:assert/strict";
import type { SpecGenerator } from "./types.ts";
import { type InspectView, verifyContainer } from "./verify.ts";

function load(name: string): { spec: SpecGenerator; inspect: InspectView } {
  const dir = new URL("./testdata/", import.meta.url);
  return {
    spec: JSON.parse(Deno.readTextFileSync(new URL(`${name}.spec.json`, dir))),
    inspect: JSON.parse(Deno.readTextFileSync(new URL(`${name}.inspect.json`, dir))),
  };
}

function options(
  spec: SpecGenerator,
  inspect: InspectView,
  origin?: Parameters<typeof verifyContainer>[2],
) {
  return verifyContainer(spec, inspect, origin).map((p) => p.option).sort();
}

Deno.test("captured Podman 4.3.1 containers verify clean", () => {
  for (const name of ["rich", "hostnet"]) {
    const { spec, inspect } = load(name);
    assert.deepEqual(verifyContainer(spec, inspect), [], name);
  }
});

Deno.test("settings Podman dropped are reported by option name", () => {
  const { spec, inspect } = load("rich");
  const hc = inspect.HostConfig!;
  hc.ShmSize = 65536000;
  hc.MemoryReservation = 0;
  hc.MemorySwap = 0;
  hc.MemorySwappiness = -1;
  hc.CpuQuota = 0;
  hc.PidsLimit = 2048;
  hc.CpusetCpus = "0-1";
  hc.ReadonlyRootfs = false;
  hc.CapAdd = [];
  hc.CapDrop = [];
  hc.Tmpfs = {};
  hc.Devices = [];
  hc.PortBindings = {};
  hc.Ulimits = [];
  hc.Init = false;
  hc.OomScoreAdj = 0;
  hc.SecurityOpt = [];
  hc.Binds = [];
  inspect.Mounts = [];
  inspect.Config!.Tty = false;
  inspect.NetworkSettings!.Networks!.podman!.IPAddress = "10.88.0.2";
  inspect.NetworkSettings!.Networks!.podman!.MacAddress = "aa:aa:aa:aa:aa:aa";
  const got = new Set(options(spec, inspect));
  for (
    const want of [
      "shm_size",
      "memory_reservation",
      "memory_swap",
      "memory_swappiness",
      "cpu_hard_limit",
      "pids_limit",
      "resources.cores",
      "readonly_rootfs",
      "cap_add",
      "cap_drop",
      "tmpfs",
      "devices",
      "ports",
      "ulimit.nofile",
      "ulimit.nproc",
      "init",
      "oom_score_adj",
      "security_opt",
      "volumes",
      "tty",
      "ipv4_address",
      "static_mac",
    ]
  ) assert.ok(got.has(want), `missing ${want} in ${[...got]}`);
});

Deno.test("userns auto silently ignored (UsernsMode empty) is reported as userns", () => {
  const { inspect } = load("hostnet");
  const spec: SpecGenerator = {
    userns: { nsmode: "auto" },
    idmappings: { AutoUserNs: true },
  };
  assert.deepEqual(options(spec, inspect), ["userns"]);
  assert.deepEqual(options(spec, { HostConfig: { UsernsMode: "private" } }), []);
  assert.deepEqual(options({ userns: { nsmode: "host" } }, inspect), []);
});

Deno.test("network and IPC namespaces are compared; 4.3's blanket 'shareable' IpcMode is ignored", () => {
  const spec: SpecGenerator = {
    netns: { nsmode: "path", value: "/var/run/netns/A" },
    ipcns: { nsmode: "host" },
  };
  assert.deepEqual(
    options(spec, { HostConfig: { NetworkMode: "bridge", IpcMode: "private" } }),
    ["ipc_mode", "network_mode"],
  );
  assert.deepEqual(
    options(spec, { HostConfig: { NetworkMode: "ns:/var/run/netns/A", IpcMode: "shareable" } }),
    [],
  );
  assert.deepEqual(
    options({ netns: { nsmode: "container", value: "web-A" } }, {
      HostConfig: { NetworkMode: "container:0123abcd" },
    }),
    [],
  );
});

Deno.test("static IP problems name ipv4_address, ipv6_address or static_ips", () => {
  const spec: SpecGenerator = {
    Networks: { podman: { static_ips: ["10.88.0.5", "fd00::5", "10.88.0.6"] } },
  };
  const inspect: InspectView = {
    NetworkSettings: { Networks: { podman: { IPAddress: "10.88.0.2", GlobalIPv6Address: "" } } },
  };
  assert.deepEqual(
    options(spec, inspect, { ipv4Address: "10.88.0.5", ipv6Address: "fd00::5" }),
    ["ipv4_address", "ipv6_address", "static_ips"],
  );
  // Not started yet: no address to compare.
  const idle: InspectView = { NetworkSettings: { Networks: { podman: { IPAddress: "" } } } };
  assert.deepEqual(options(spec, idle), []);
  // The network itself missing.
  assert.deepEqual(options(spec, { NetworkSettings: { Networks: { other: {} } } }), [
    "network_mode",
  ]);
});

Deno.test("fields Podman does not report are not checked", () => {
  const spec: SpecGenerator = { sysctl: { "a.b": "1" }, shm_size: 5, terminal: true };
  assert.deepEqual(verifyContainer(spec, {}), []);
  assert.deepEqual(options(spec, { HostConfig: { Sysctls: { "a.b": "2" } } }), ["sysctl.a.b"]);
});

Deno.test("cap_drop ALL: Podman's expanded CapDrop/CapAdd verify clean; an added cap dropped is reported", () => {
  const { spec, inspect } = load("rich");
  spec.cap_drop = ["ALL"];
  spec.cap_add = ["NET_BIND_SERVICE"];
  const hc = inspect.HostConfig!;
  // What Podman 4.3.1 reports for cap_drop ALL + cap_add NET_BIND_SERVICE (a default cap).
  hc.CapAdd = [];
  hc.CapDrop = ["CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"];
  assert.deepEqual(options(spec, inspect).filter((o) => o.startsWith("cap_")), []);
  hc.CapDrop.push("CAP_NET_BIND_SERVICE");
  assert.deepEqual(options(spec, inspect).filter((o) => o.startsWith("cap_")), ["cap_add"]);
});
