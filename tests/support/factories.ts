/**
 * Test factories for the spec builders (not part of the public surface).
 *
 * @module
 */

import type { PluginConfig, TaskConfig } from "../../src/config/types.ts";
import type { NomadTask } from "../../src/driver/task_request.ts";
import type { HostFacts, SpecInput } from "../../src/driver/spec/types.ts";

/** A task config with every option at its default. */
export function makeConfig(over: Partial<TaskConfig> = {}): TaskConfig {
  return {
    image: "localhost/busybox:latest",
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
    ...over,
  };
}

/** A plugin config with every option at its default. */
export function makePlugin(over: Partial<PluginConfig> = {}): PluginConfig {
  return {
    sockets: [{ name: "default", socketPath: "unix:///run/podman/podman.sock" }],
    volumes: { enabled: true, selinuxLabel: "", allowedRoots: ["/"] },
    policy: {
      allowPrivileged: true,
      allowCaps: ["all"],
      allowHostNetwork: true,
      allowDevices: ["*"],
      allowRuntimeOptions: ["all"],
    },
    gc: { container: true, image: false, imageDelayMs: 0 },
    recoverStopped: false,
    extraLabels: [],
    logging: { driver: "nomad", options: {} },
    networking: { defaultRootlessMode: "" },
    disableLogCollection: false,
    clientHttpTimeoutMs: 60_000,
    dnsServers: [],
    auth: { config: "", helper: "" },
    danglingContainers: { enabled: true, periodMs: 300_000, creationGraceMs: 300_000 },
    imageArchiveRoots: [],
    rootlessWithoutLimits: false,
    ...over,
  };
}

/** The alloc ID every factory uses. */
export const ALLOC_ID = "0a1b2c3d-0000-4000-8000-000000000001";

/** A Nomad task named `web` in alloc {@link ALLOC_ID}, under `/nomad/alloc/<id>`. */
export function makeTask(over: Partial<NomadTask> = {}): NomadTask {
  const allocDir = over.allocDir ?? `/nomad/alloc/${ALLOC_ID}`;
  return {
    id: `${ALLOC_ID}/web/deadbeef`,
    name: "web",
    allocId: ALLOC_ID,
    jobName: "shop",
    jobId: "shop-id",
    taskGroupName: "frontend",
    namespace: "default",
    nodeName: "node1",
    nodeId: "node-id-1",
    env: { NOMAD_ALLOC_DIR: "/alloc", NOMAD_TASK_DIR: "/local", NOMAD_SECRETS_DIR: "/secrets" },
    deviceEnv: {},
    user: "",
    allocDir,
    stdoutPath: `${allocDir}/alloc/logs/.web.stdout.fifo`,
    stderrPath: `${allocDir}/alloc/logs/.web.stderr.fifo`,
    resources: {
      cpuShares: 500,
      memoryMb: 100,
      memoryMaxMb: 0,
      cpusetCpus: "",
      cpusetCgroup: "",
      percentTicks: 0.25,
      memoryLimitBytes: 100 * 1024 * 1024,
      ports: [],
      legacyNetworkPorts: [],
      legacyNetworkIp: "",
    },
    mounts: [],
    devices: [],
    networkIsolation: undefined,
    dns: undefined,
    ...over,
  };
}

/** Rootful Podman 4.3 on cgroup v1 with cgroupfs, 2 CPUs, no AppArmor. */
export function makeHost(over: Partial<HostFacts> = {}): HostFacts {
  return {
    rootless: false,
    cgroupVersion: 1,
    cgroupManager: "cgroupfs",
    apiVersion: "4.3.1",
    numCpus: 2,
    appArmorEnabled: false,
    ...over,
  };
}

/** A full builder input; `realPath` is the identity (no symlinks). */
export function makeInput(
  over: {
    task?: Partial<NomadTask>;
    config?: Partial<TaskConfig>;
    plugin?: Partial<PluginConfig>;
    host?: Partial<HostFacts>;
  } = {},
): SpecInput {
  return {
    task: makeTask(over.task),
    config: makeConfig(over.config),
    plugin: makePlugin(over.plugin),
    host: makeHost(over.host),
    imageId: "sha256:75c6b45101c5",
    realPath: (p) => p,
  };
}
