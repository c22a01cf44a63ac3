import assert from "node:assert/strict";
import { ConfigError } from "../../config/mod.ts";
import { makeInput } from "../../../tests/support/factories.ts";
import { buildContainerSpec, customNetworkToCheck } from "./mod.ts";

/** Top-level keys of libpod 4.x SpecGenerator that we may send (typos = silent no-ops). */
const PODMAN4_KEYS = new Set([
  "name",
  "entrypoint",
  "command",
  "env",
  "terminal",
  "labels",
  "annotations",
  "log_configuration",
  "hostname",
  "sysctl",
  "labels_nested",
  "image",
  "init",
  "init_path",
  "mounts",
  "devices",
  "ipcns",
  "shm_size",
  "work_dir",
  "privileged",
  "user",
  "cap_add",
  "cap_drop",
  "selinux_opts",
  "apparmor_profile",
  "seccomp_profile_path",
  "no_new_privileges",
  "userns",
  "idmappings",
  "read_only_filesystem",
  "procfs_opts",
  "mask",
  "unmask",
  "cgroup_parent",
  "netns",
  "portmappings",
  "dns_server",
  "dns_search",
  "dns_option",
  "hostadd",
  "network_options",
  "Networks",
  "resource_limits",
  "r_limits",
  "oom_score_adj",
]);

const ports = [{ label: "http", value: 28080, to: 80, hostIp: "127.0.0.1" }];

function richInput() {
  const input = makeInput({
    task: { resources: { ...makeInput().task.resources, ports } },
    config: {
      command: "sleep",
      args: ["300"],
      ports: ["http"],
      shmSize: 1024,
      securityOpt: ["no-new-privileges", "seccomp=unconfined", "mask=/a", "proc-opts=x"],
      userns: "auto",
      ipcMode: "private",
      ipv4Address: "10.88.0.9",
      extraHosts: ["a:1.2.3.4"],
      ulimit: { nofile: "10" },
      sysctl: { "a.b": "1" },
      tmpfs: ["/t"],
      devices: ["/dev/null"],
      entrypoint: ["/bin/sh"],
      workingDir: "/",
      hostname: "h",
      init: true,
      initPath: "/i",
      tty: true,
      capAdd: ["X"],
      capDrop: ["Y"],
      selinuxOpts: ["z"],
      privileged: true,
      readonlyRootfs: true,
      labels: { a: "b" },
    },
    plugin: { dnsServers: ["1.1.1.1"] },
    host: { cgroupVersion: 2, cgroupManager: "systemd" },
  });
  input.task.dns = { servers: [], searches: ["s"], options: ["o"] };
  return input;
}

Deno.test("the pipeline sends only known libpod 4.x SpecGenerator keys", () => {
  const spec = buildContainerSpec(richInput());
  const unknown = Object.keys(spec).filter((k) => !PODMAN4_KEYS.has(k));
  assert.deepEqual(unknown, []);
  assert.ok(Object.keys(spec).length >= 35, `only ${Object.keys(spec).length} keys`);
});

Deno.test("the pipeline assembles every concern", () => {
  const spec = buildContainerSpec(richInput());
  assert.equal(spec.name, `web-${makeInput().task.allocId}`);
  assert.equal(spec.image, "sha256:75c6b45101c5");
  assert.deepEqual(spec.netns, { nsmode: "bridge" });
  assert.deepEqual(spec.Networks, { podman: { static_ips: ["10.88.0.9"] } });
  assert.equal(spec.portmappings?.length, 2);
  assert.deepEqual(spec.idmappings, { AutoUserNs: true, AutoUserNsOpts: {} });
  assert.equal(spec.cgroup_parent, "nomad.slice");
  assert.equal(spec.log_configuration?.driver, "k8s-file");
  assert.equal(spec.labels?.["io.nomad-driver-podman.managed"], "true");
  assert.deepEqual(spec.dns_server, ["1.1.1.1"]);
  assert.equal(spec.mounts?.length, 4);
});

Deno.test("in the group netns, network_mode is ignored and no port mappings are sent", () => {
  const input = makeInput({
    task: {
      resources: { ...makeInput().task.resources, ports },
      networkIsolation: { mode: "GROUP", path: "/var/run/netns/A", labels: {}, hostname: "" },
    },
    config: { ports: ["http"], networkMode: "host" },
  });
  const spec = buildContainerSpec(input);
  assert.deepEqual(spec.netns, { nsmode: "path", value: "/var/run/netns/A" });
  assert.equal(spec.portmappings, undefined);
  assert.equal(spec.Networks, undefined);
  // Port labels are still validated.
  input.config.ports = ["nope"];
  assert.throws(() => buildContainerSpec(input), ConfigError);
});

Deno.test("no port mappings in host mode; port_map env lands in env", () => {
  const legacy = {
    ...makeInput().task.resources,
    legacyNetworkPorts: [{ label: "main", value: 23000, to: 0, hostIp: "" }],
  };
  const spec = buildContainerSpec(makeInput({
    task: { resources: legacy, env: { A: "1" } },
    config: { portMap: { main: 8080 }, networkMode: "host" },
  }));
  assert.equal(spec.portmappings, undefined);
  assert.deepEqual(spec.env, { A: "1", NOMAD_PORT_main: "8080" });
});

Deno.test("customNetworkToCheck names the custom network only", () => {
  assert.equal(customNetworkToCheck(makeInput({ config: { networkMode: "mynet" } })), "mynet");
  assert.equal(customNetworkToCheck(makeInput({ config: { networkMode: "host" } })), undefined);
  assert.equal(customNetworkToCheck(makeInput()), undefined);
  const spec = buildContainerSpec(makeInput({ config: { networkMode: "mynet" } }));
  assert.deepEqual(spec.Networks, { mynet: {} });
});

Deno.test("a builder error surfaces from the pipeline", () => {
  assert.throws(
    () => buildContainerSpec(makeInput({ config: { securityOpt: ["nope"] } })),
    (e: unknown) => e instanceof ConfigError && e.field === "security_opt",
  );
});
