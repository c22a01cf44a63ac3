/**
 * StartTask's own code run once on a made-up task after SetConfig, so the
 * first real start does not pay for compiling it: V8 compiles a function the
 * first time it runs, and the first StartTask of a fresh plugin spent ~10 ms
 * more in the plugin's own steps (policy, spec, verification, driver state)
 * than later ones. Nothing is sent to Podman, nothing on disk is looked at
 * (the request checks, which stat the alloc dir, are left out); a failure is
 * ignored (it is only a warm-up).
 *
 * @module
 */
import { defaultTaskConfig, type PluginConfig } from "../config/mod.ts";
import { encodeDriverState } from "./driver_state.ts";
import type { HostFacts } from "./host_facts.ts";
import { checkPolicy } from "./policy.ts";
import {
  buildContainerSpec,
  containerName,
  effectiveLogging,
  verifyContainer,
} from "./spec/mod.ts";
import type { NomadTask } from "./task_request.ts";

const ALLOC_ID = "00000000-0000-4000-8000-000000000000";
const ALLOC_DIR = `/nonexistent/nomad-driver-podman-warm-up/${ALLOC_ID}`;

/** A task as Nomad would send it: one port, the usual environment, a memory limit. */
function madeUpTask(): NomadTask {
  return {
    id: `${ALLOC_ID}/warm-up/00000000`,
    name: "warm-up",
    allocId: ALLOC_ID,
    jobName: "warm-up",
    jobId: "warm-up",
    taskGroupName: "warm-up",
    namespace: "default",
    nodeName: "node",
    nodeId: "node",
    env: { NOMAD_ALLOC_DIR: "/alloc", NOMAD_TASK_DIR: "/local", NOMAD_SECRETS_DIR: "/secrets" },
    deviceEnv: {},
    user: "",
    allocDir: ALLOC_DIR,
    stdoutPath: `${ALLOC_DIR}/alloc/logs/.warm-up.stdout.fifo`,
    stderrPath: `${ALLOC_DIR}/alloc/logs/.warm-up.stderr.fifo`,
    resources: {
      cpuShares: 100,
      memoryMb: 64,
      memoryMaxMb: 0,
      cpusetCpus: "",
      cpusetCgroup: "",
      percentTicks: 0.05,
      memoryLimitBytes: 64 * 1024 * 1024,
      ports: [],
      legacyNetworkPorts: [],
      legacyNetworkIp: "",
    },
    mounts: [],
    devices: [],
    networkIsolation: undefined,
    dns: undefined,
  };
}

/** Runs the pure part of a start once; returns whether it ran through (for tests). */
export function warmStartPath(plugin: PluginConfig, host: HostFacts): boolean {
  try {
    const task = madeUpTask();
    const config = defaultTaskConfig("localhost/nomad-driver-podman-warm-up:latest");
    checkPolicy(task, config, plugin);
    effectiveLogging(config, plugin);
    const spec = buildContainerSpec({ task, config, plugin, host, imageId: "0".repeat(64) });
    JSON.stringify(spec);
    verifyContainer(spec, {}, config);
    encodeDriverState({
      socket: "default",
      containerId: "0".repeat(64),
      containerName: containerName(task.name, task.allocId),
      imageId: "0".repeat(64),
      imageRef: config.image,
      startedAtMs: 0,
      network: undefined,
      logDriver: "nomad",
      logCollectionDisabled: plugin.disableLogCollection,
    });
    return true;
  } catch {
    return false;
  }
}
