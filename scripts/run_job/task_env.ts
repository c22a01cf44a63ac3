/**
 * The environment a Nomad client gives a task (NOMAD_* runtime variables and
 * the task's `env` block, interpolated), and the variables its `config` block
 * may interpolate (`${NOMAD_PORT_db}`, `${node.unique.name}`, …).
 *
 * @module
 */
import type { AllocatedPort } from "./ports.ts";

/** What the env is built from. */
export interface EnvInput {
  jobName: string;
  groupName: string;
  taskName: string;
  allocId: string;
  datacenter: string;
  cpu: number;
  memoryMb: number;
  memoryMaxMb: number;
  cores: number;
  /** Group ports (and the task's legacy ports). */
  ports: AllocatedPort[];
  /** The task's `env` block (values may interpolate the runtime variables). */
  env: Record<string, string>;
}

/** Nomad's env-var form of a port label (`my-port` → `my_port`). */
export function envLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_]/g, "_");
}

/** Node attributes a job may interpolate. */
export function nodeVariables(datacenter: string): Record<string, string> {
  const hostname = Deno.hostname();
  return {
    "node.unique.name": hostname,
    "node.unique.id": "00000000-0000-4000-8000-000000000001",
    "node.datacenter": datacenter,
    "node.region": "global",
    "node.class": "",
    "attr.kernel.name": "linux",
    "attr.cpu.arch": Deno.build.arch === "x86_64" ? "amd64" : "arm64",
    "attr.unique.hostname": hostname,
  };
}

/** Replaces `${NAME}` with `vars[NAME]`; unknown names are left as written (as Nomad does). */
export function interpolate(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    const key = name.trim();
    return Object.hasOwn(vars, key) ? vars[key]! : whole;
  });
}

/** The task env: runtime variables first, then the task's `env` block interpolated with them. */
export function taskEnv(input: EnvInput): Record<string, string> {
  const env: Record<string, string> = {
    NOMAD_ALLOC_DIR: "/alloc",
    NOMAD_TASK_DIR: "/local",
    NOMAD_SECRETS_DIR: "/secrets",
    NOMAD_TASK_NAME: input.taskName,
    NOMAD_GROUP_NAME: input.groupName,
    NOMAD_JOB_NAME: input.jobName,
    NOMAD_JOB_ID: input.jobName,
    NOMAD_ALLOC_ID: input.allocId,
    NOMAD_SHORT_ALLOC_ID: input.allocId.slice(0, 8),
    NOMAD_ALLOC_NAME: `${input.jobName}.${input.groupName}[0]`,
    NOMAD_ALLOC_INDEX: "0",
    NOMAD_NAMESPACE: "default",
    NOMAD_REGION: "global",
    NOMAD_DC: input.datacenter,
    NOMAD_CPU_LIMIT: String(input.cpu),
    NOMAD_MEMORY_LIMIT: String(input.memoryMb),
    ...(input.memoryMaxMb > 0 ? { NOMAD_MEMORY_MAX_LIMIT: String(input.memoryMaxMb) } : {}),
    ...(input.cores > 0
      ? { NOMAD_CPU_CORES: Array.from({ length: input.cores }, (_, i) => i).join(",") }
      : {}),
  };
  for (const p of input.ports) {
    const l = envLabel(p.label);
    const inner = p.to || p.value;
    env[`NOMAD_IP_${l}`] = p.hostIp;
    env[`NOMAD_PORT_${l}`] = String(inner);
    env[`NOMAD_ADDR_${l}`] = `${p.hostIp}:${inner}`;
    env[`NOMAD_HOST_IP_${l}`] = p.hostIp;
    env[`NOMAD_HOST_PORT_${l}`] = String(p.value);
    env[`NOMAD_HOST_ADDR_${l}`] = `${p.hostIp}:${p.value}`;
    env[`NOMAD_ALLOC_PORT_${l}`] = String(inner);
  }
  const vars = { ...nodeVariables(input.datacenter), ...env };
  for (const [k, v] of Object.entries(input.env)) env[k] = interpolate(v, vars);
  return env;
}

/** Variables of `${…}` in the task's `config` block: the task env plus node attributes. */
export function configVariables(
  env: Record<string, string>,
  datacenter: string,
): Record<string, string> {
  return { ...nodeVariables(datacenter), ...env };
}
