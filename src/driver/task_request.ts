/**
 * Nomad's view of a task, as the driver core sees it (translated from the
 * protobuf `TaskConfig` at the gRPC edge; no protobuf types here).
 *
 * @module
 */

/** A port the allocation reserved (`resources.ports[]`). */
export interface AllocatedPort {
  label: string;
  /** Host port. */
  value: number;
  /** Port inside the task (0: same as `value`). */
  to: number;
  hostIp: string;
}

/** A host or CSI volume mount requested by the job. */
export interface TaskMount {
  taskPath: string;
  hostPath: string;
  readonly: boolean;
  /** Nomad's propagation mode: "private", "host-to-task", "bidirectional" or "". */
  propagationMode: string;
  selinuxLabel: string;
}

/** A device from a device plugin. */
export interface TaskDevice {
  taskPath: string;
  hostPath: string;
  cgroupPermissions: string;
}

/** Resources Nomad allocated to the task. */
export interface TaskResources {
  /** Job `cpu` in MHz (cpu shares). */
  cpuShares: number;
  /** Job `memory` in MiB. */
  memoryMb: number;
  /** Job `memory_max` in MiB: 0 unset, -1 unlimited. */
  memoryMaxMb: number;
  /** Reserved cores as a cpuset string ("0,1"), or "". */
  cpusetCpus: string;
  /** The task's cgroup path Nomad prepared, or "". */
  cpusetCgroup: string;
  /** Share of the node's compute this task may use (cpu / total compute). */
  percentTicks: number;
  /** max(memory, memory_max) in bytes, as Nomad computed it. */
  memoryLimitBytes: number;
  ports: AllocatedPort[];
  /** Legacy task-level `resources.network` ports (for `port_map`): label → host port. */
  legacyNetworkPorts: AllocatedPort[];
  /** Legacy task-level network IP, if any. */
  legacyNetworkIp: string;
}

/** Group network namespace Nomad created (`network_isolation_spec`). */
export interface NetworkIsolation {
  /** "HOST", "GROUP", "TASK" or "NONE". */
  mode: string;
  /** Path of the netns, e.g. `/var/run/netns/<alloc>`. */
  path: string;
  labels: Record<string, string>;
  hostname: string;
}

/** DNS settings from the group's `network.dns` block. */
export interface TaskDns {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Everything Nomad says about a task at StartTask. */
export interface NomadTask {
  /** `<alloc_id>/<task>/<8 hex>`, new for every start. */
  id: string;
  name: string;
  allocId: string;
  jobName: string;
  jobId: string;
  taskGroupName: string;
  namespace: string;
  nodeName: string;
  nodeId: string;
  env: Record<string, string>;
  deviceEnv: Record<string, string>;
  /** Job `user`, or "". */
  user: string;
  /** Host path of the allocation directory. */
  allocDir: string;
  stdoutPath: string;
  stderrPath: string;
  resources: TaskResources;
  mounts: TaskMount[];
  devices: TaskDevice[];
  networkIsolation: NetworkIsolation | undefined;
  dns: TaskDns | undefined;
}

/** Host paths of the task's directories, derived from the alloc dir. */
export interface TaskDirs {
  /** `<alloc_dir>/alloc` → NOMAD_ALLOC_DIR inside. */
  sharedAllocDir: string;
  /** `<alloc_dir>/<task>/local` → NOMAD_TASK_DIR inside. */
  localDir: string;
  /** `<alloc_dir>/<task>/secrets` → NOMAD_SECRETS_DIR inside. */
  secretsDir: string;
  /** `<alloc_dir>/<task>`. */
  taskDir: string;
}

/** Computes the host-side task directories Nomad lays out for a task. */
export function taskDirs(task: Pick<NomadTask, "allocDir" | "name">): TaskDirs {
  const taskDir = `${task.allocDir}/${task.name}`;
  return {
    sharedAllocDir: `${task.allocDir}/alloc`,
    localDir: `${taskDir}/local`,
    secretsDir: `${taskDir}/secrets`,
    taskDir,
  };
}
