/**
 * Test factories: task and plugin configs (from the real decoder defaults),
 * Nomad tasks, host facts and spec-builder inputs.
 *
 * @module
 */

import { defaultPluginConfig, defaultTaskConfig } from "../../src/config/mod.ts";
import type { PluginConfig, TaskConfig } from "../../src/config/types.ts";
import type { NomadTask } from "../../src/driver/task_request.ts";
import type { SpecHost, SpecInput } from "../../src/driver/spec/types.ts";
import type { HostFacts } from "../../src/driver/host_facts.ts";

/** The image every {@link makeConfig} task runs unless a test overrides it. */
export const TEST_IMAGE = "localhost/busybox:latest";

/**
 * A task config with every option at its default: the real decoder's
 * default ({@link defaultTaskConfig}) for {@link TEST_IMAGE}, then `over`.
 */
export function makeConfig(over: Partial<TaskConfig> = {}): TaskConfig {
  return { ...defaultTaskConfig(TEST_IMAGE), ...over };
}

/**
 * A plugin config with every option at its default: the real decoder's
 * default ({@link defaultPluginConfig}) for a rootful plugin (uid 0), then
 * `over`. A test that depends on a value (e.g. `gc.imageDelayMs`) sets it.
 */
export function makePlugin(over: Partial<PluginConfig> = {}): PluginConfig {
  return { ...defaultPluginConfig({ uid: 0 }), ...over };
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

/** Rootful Podman 4.3 on cgroup v1 with cgroupfs, 2 CPUs, no AppArmor: the test machines. */
export function makeHostFacts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    apiVersion: "4.3.1",
    rootless: false,
    cgroupVersion: 1,
    cgroupManager: "cgroupfs",
    numCpus: 2,
    memTotal: 24 << 30,
    appArmorEnabled: false,
    selinuxEnabled: false,
    seccompEnabled: true,
    capabilities: "CAP_CHOWN,CAP_KILL",
    ociRuntimePath: "/usr/bin/runc",
    remoteSocketPath: "",
    ...over,
  };
}

/** The spec builders' view of {@link makeHostFacts}. */
export function makeHost(over: Partial<SpecHost> = {}): SpecHost {
  return makeHostFacts(over);
}

/** A full builder input; `realPath` is the identity (no symlinks). */
export function makeInput(
  over: {
    task?: Partial<NomadTask>;
    config?: Partial<TaskConfig>;
    plugin?: Partial<PluginConfig>;
    host?: Partial<SpecHost>;
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
