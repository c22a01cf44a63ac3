/**
 * Builds protobuf TaskConfig messages the way the Nomad client does.
 *
 * @module
 */
import type { ProtoMessage } from "../../../src/grpc/proto_root.ts";
import { type AllocDir, makeAllocDir } from "./alloc_dir.ts";
import type { NomadClient } from "./client.ts";
import { encodeJsonConfig } from "./hcl_encode.ts";

/** A group port of the allocation. */
export interface PortSpec {
  label: string;
  value: number;
  to?: number;
  hostIp?: string;
}

/** What a test says about a task; everything but `config` has a default. */
export interface TaskOptions {
  /** Task name. @default "task" */
  name?: string;
  /** Body of the task's `config { ... }` block, in HCL. */
  config?: string;
  /** The `config` block as parsed from a job file (hcl2json), instead of `config`. */
  configJson?: Record<string, unknown>;
  /** Already encoded `msgpack_driver_config` bytes, instead of `config`/`configJson`. */
  msgpackConfig?: Uint8Array;
  /** Reuse an alloc dir (several tasks of one allocation). */
  alloc?: AllocDir;
  /** Extra env (merged over Nomad's defaults). */
  env?: Record<string, string>;
  user?: string;
  cpu?: number;
  memoryMb?: number;
  memoryMaxMb?: number;
  cores?: string;
  ports?: PortSpec[];
  /** Legacy task-level network ports (for port_map). */
  legacyPorts?: PortSpec[];
  mounts?: ProtoMessage[];
  devices?: ProtoMessage[];
  networkIsolation?: ProtoMessage;
  dns?: { servers?: string[]; searches?: string[]; options?: string[] };
  /** Create and read the log fifos. @default true */
  logging?: boolean;
  /** Job name (TaskConfig.job_name/job_id). @default "job" */
  jobName?: string;
  /** Task group name. @default "group" */
  groupName?: string;
}

/** Node compute of the harness's default topology (2 cores × 2000 MHz). */
export const NODE_COMPUTE_MHZ = 4000;

function hex8(): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
}

/** A task ready for StartTask, with its alloc dir. */
export interface BuiltTask {
  id: string;
  config: ProtoMessage;
  alloc: AllocDir;
}

/** Builds a TaskConfig (and alloc dir) for StartTask. */
export async function buildTask(client: NomadClient, opts: TaskOptions): Promise<BuiltTask> {
  const name = opts.name ?? "task";
  const alloc = opts.alloc ?? await makeAllocDir(name, { logging: opts.logging ?? true });
  if (opts.alloc) {
    for (const d of ["local", "secrets", "private", "tmp"]) {
      Deno.mkdirSync(`${alloc.allocDir}/${name}/${d}`, { recursive: true });
    }
  }
  const id = `${alloc.allocId}/${name}/${hex8()}`;
  const cpu = opts.cpu ?? 500;
  const memoryMb = opts.memoryMb ?? 256;
  const memoryMaxMb = opts.memoryMaxMb ?? 0;
  const ports = opts.ports ?? [];
  const env: Record<string, string> = {
    NOMAD_ALLOC_DIR: "/alloc",
    NOMAD_TASK_DIR: "/local",
    NOMAD_SECRETS_DIR: "/secrets",
    NOMAD_TASK_NAME: name,
    NOMAD_ALLOC_ID: alloc.allocId,
    NOMAD_ALLOC_NAME: `job.group[0]`,
    NOMAD_JOB_NAME: "job",
    NOMAD_JOB_ID: "job",
    NOMAD_GROUP_NAME: "group",
    NOMAD_NAMESPACE: "default",
    NOMAD_CPU_LIMIT: String(cpu),
    NOMAD_MEMORY_LIMIT: String(memoryMb),
    ...Object.fromEntries(ports.flatMap((p) => [
      [`NOMAD_PORT_${p.label}`, String(p.to || p.value)],
      [`NOMAD_HOST_PORT_${p.label}`, String(p.value)],
    ])),
    ...opts.env,
  };
  const stdoutPath = opts.logging === false && !opts.alloc
    ? alloc.stdoutPath
    : `${alloc.allocDir}/alloc/logs/.${name}.stdout.fifo`;
  const stderrPath = opts.logging === false && !opts.alloc
    ? alloc.stderrPath
    : `${alloc.allocDir}/alloc/logs/.${name}.stderr.fifo`;
  const config: ProtoMessage = {
    id,
    name,
    msgpack_driver_config: opts.msgpackConfig ??
      (opts.configJson
        ? encodeJsonConfig(opts.configJson, await client.taskConfigSchema(), { variables: env })
        : await client.encodeTaskConfig(opts.config ?? "", env)),
    env,
    device_env: {},
    resources: {
      allocated_resources: {
        cpu: { cpu_shares: cpu },
        memory: { memory_mb: memoryMb, memory_max_mb: memoryMaxMb },
        networks: (opts.legacyPorts ?? []).length > 0
          ? [{
            ip: "127.0.0.1",
            dynamic_ports: (opts.legacyPorts ?? []).map((p) => ({
              label: p.label,
              value: p.value,
            })),
          }]
          : [],
      },
      linux_resources: {
        cpu_shares: cpu,
        memory_limit_bytes: Math.max(memoryMb, memoryMaxMb) * 1024 * 1024,
        cpuset_cpus: opts.cores ?? "",
        PercentTicks: cpu / NODE_COMPUTE_MHZ,
      },
      ports: ports.map((p) => ({
        label: p.label,
        value: p.value,
        to: p.to ?? 0,
        host_ip: p.hostIp ?? "127.0.0.1",
      })),
    },
    mounts: opts.mounts ?? [],
    devices: opts.devices ?? [],
    user: opts.user ?? "",
    alloc_dir: alloc.allocDir,
    stdout_path: stdoutPath,
    stderr_path: stderrPath,
    task_group_name: opts.groupName ?? "group",
    job_name: opts.jobName ?? "job",
    job_id: opts.jobName ?? "job",
    alloc_id: alloc.allocId,
    namespace: "default",
    node_name: "node1",
    node_id: "5b0c9d2e-0000-4000-8000-000000000001",
    ...(opts.networkIsolation ? { network_isolation_spec: opts.networkIsolation } : {}),
    ...(opts.dns ? { dns: opts.dns } : {}),
  };
  return { id, config, alloc };
}
