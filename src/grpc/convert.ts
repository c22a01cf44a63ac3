/**
 * Translation between protobuf messages (plain objects with proto field
 * names, see proto_root.ts) and the driver's domain types.
 *
 * @module
 */
import type { ProtoMessage } from "./proto_root.ts";
import type {
  AllocatedPort,
  NetworkIsolation,
  NomadTask,
  TaskDevice,
  TaskDns,
  TaskMount,
} from "../driver/mod.ts";

function obj(v: unknown): ProtoMessage {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)
    ? v as ProtoMessage
    : {};
}
function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}
function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}
function bool(v: unknown): boolean {
  return v === true;
}
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = str(val);
  return out;
}
function strList(v: unknown): string[] {
  return list(v).map(str);
}

const NET_MODES = ["HOST", "GROUP", "TASK", "NONE"];

function isolation(v: unknown): NetworkIsolation | undefined {
  if (v === null || v === undefined) return undefined;
  const spec = obj(v);
  const hosts = obj(spec.hostsConfig);
  return {
    mode: NET_MODES[num(spec.mode)] ?? "HOST",
    path: str(spec.path),
    labels: strMap(spec.labels),
    hostname: str(hosts.hostname),
  };
}

function dns(v: unknown): TaskDns | undefined {
  if (v === null || v === undefined) return undefined;
  const d = obj(v);
  const out = {
    servers: strList(d.servers),
    searches: strList(d.searches),
    options: strList(d.options),
  };
  return out.servers.length + out.searches.length + out.options.length > 0 ? out : undefined;
}

function legacyPorts(networks: unknown[]): { ports: AllocatedPort[]; ip: string } {
  const ports: AllocatedPort[] = [];
  let ip = "";
  for (const n of networks.map(obj)) {
    ip ||= str(n.ip);
    for (const p of [...list(n.reserved_ports), ...list(n.dynamic_ports)].map(obj)) {
      ports.push({ label: str(p.label), value: num(p.value), to: 0, hostIp: str(n.ip) });
    }
  }
  return { ports, ip };
}

/** Converts a protobuf `TaskConfig` into the driver's {@link NomadTask}. */
export function nomadTaskFromProto(tc: ProtoMessage): NomadTask {
  const res = obj(tc.resources);
  const alloc = obj(res.allocated_resources);
  const linux = obj(res.linux_resources);
  const legacy = legacyPorts(list(alloc.networks));
  return {
    id: str(tc.id),
    name: str(tc.name),
    allocId: str(tc.alloc_id),
    jobName: str(tc.job_name),
    jobId: str(tc.job_id),
    taskGroupName: str(tc.task_group_name),
    namespace: str(tc.namespace),
    nodeName: str(tc.node_name),
    nodeId: str(tc.node_id),
    env: strMap(tc.env),
    deviceEnv: strMap(tc.device_env),
    user: str(tc.user),
    allocDir: str(tc.alloc_dir),
    stdoutPath: str(tc.stdout_path),
    stderrPath: str(tc.stderr_path),
    resources: {
      cpuShares: num(obj(alloc.cpu).cpu_shares) || num(linux.cpu_shares),
      memoryMb: num(obj(alloc.memory).memory_mb),
      memoryMaxMb: num(obj(alloc.memory).memory_max_mb),
      cpusetCpus: str(linux.cpuset_cpus),
      cpusetCgroup: str(linux.cpuset_cgroup),
      percentTicks: num(linux.PercentTicks),
      memoryLimitBytes: num(linux.memory_limit_bytes),
      ports: list(res.ports).map(obj).map((p) => ({
        label: str(p.label),
        value: num(p.value),
        to: num(p.to),
        hostIp: str(p.host_ip),
      })),
      legacyNetworkPorts: legacy.ports,
      legacyNetworkIp: legacy.ip,
    },
    mounts: list(tc.mounts).map(obj).map((m): TaskMount => ({
      taskPath: str(m.task_path),
      hostPath: str(m.host_path),
      readonly: bool(m.readonly),
      propagationMode: str(m.propagation_mode),
      selinuxLabel: str(m.selinux_label),
    })),
    devices: list(tc.devices).map(obj).map((d): TaskDevice => ({
      taskPath: str(d.task_path),
      hostPath: str(d.host_path),
      cgroupPermissions: str(d.cgroup_permissions),
    })),
    networkIsolation: isolation(tc.network_isolation_spec),
    dns: dns(tc.dns),
  };
}

/** A protobuf Timestamp for a JS time in milliseconds (0 → Go's zero time). */
export function timestampFromMs(ms: number | undefined): { seconds: number; nanos: number } {
  if (!ms) return { seconds: -62135596800, nanos: 0 };
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

/** A Duration message in milliseconds (absent → 0). */
export function durationToMs(v: unknown): number {
  const d = obj(v);
  return num(d.seconds) * 1000 + Math.floor(num(d.nanos) / 1e6);
}
