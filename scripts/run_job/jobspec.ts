/**
 * Reads a Nomad job file (HCL2, parsed by HashiCorp's parser compiled to
 * wasm, `@cdktf/hcl2json`) into the small model `run-job` needs: groups,
 * their network and ports, tasks with lifecycle, env, templates, resources
 * and the raw `config` block. `${var.NAME}` is resolved here (jobspec time,
 * as Nomad does); `${NOMAD_…}` and the like are left for the task env.
 *
 * @module
 */
import { parse } from "@cdktf/hcl2json";

/** Any JSON value hcl2json produces. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A JSON object. */
export type JsonObject = { [k: string]: Json };

/** A job file the runner cannot use; names the file and the place. */
export class JobSpecError extends Error {
  readonly file: string;
  readonly where: string;
  constructor(file: string, where: string, message: string) {
    super(`${file}: ${where ? `${where}: ` : ""}${message}`);
    this.name = "JobSpecError";
    this.file = file;
    this.where = where;
  }
}

/** A `port "label" { static, to }` declaration. */
export interface PortDecl {
  label: string;
  /** Static host port, 0 for a dynamic one. */
  static: number;
  /** Port inside the task's network namespace (0: same as the host port). */
  to: number;
}

/** `lifecycle { hook, sidecar }`. */
export interface Lifecycle {
  hook: "prestart" | "poststart" | "poststop";
  sidecar: boolean;
}

/** An inline `template` block. */
export interface TemplateDecl {
  destination: string;
  data: string;
  perms: string;
  leftDelimiter: string;
  rightDelimiter: string;
}

/** A task of a group. */
export interface TaskDecl {
  name: string;
  driver: string;
  config: JsonObject;
  lifecycle: Lifecycle | undefined;
  env: Record<string, string>;
  templates: TemplateDecl[];
  /** Number of `artifact` blocks (skipped by the runner). */
  artifacts: number;
  killSignal: string;
  killTimeoutMs: number;
  user: string;
  cpu: number;
  memoryMb: number;
  memoryMaxMb: number;
  cores: number;
  /** Legacy task-level `resources { network { port … } }` ports (for `port_map`). */
  legacyPorts: PortDecl[];
}

/** A task group. */
export interface GroupDecl {
  name: string;
  count: number;
  /** Group `network { mode }`: "host" (default), "bridge", "none", … */
  networkMode: string;
  ports: PortDecl[];
  dns: { servers: string[]; searches: string[]; options: string[] } | undefined;
  tasks: TaskDecl[];
}

/** A job. */
export interface JobDecl {
  name: string;
  type: string;
  datacenters: string[];
  groups: GroupDecl[];
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** hcl2json: a block is an array of bodies; labelled blocks are `{label: [body]}`. */
function bodies(v: Json | undefined): JsonObject[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).filter(isObject);
}

function labelled(v: Json | undefined): Array<[string, JsonObject]> {
  const out: Array<[string, JsonObject]> = [];
  for (const level of bodies(v)) {
    for (const [label, b] of Object.entries(level)) {
      for (const body of bodies(b)) out.push([label, body]);
    }
  }
  return out;
}

/** Parses a Go duration ("5s", "1m30s", "250ms"); undefined for junk. */
export function parseDurationMs(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    end = re.lastIndex;
  }
  if (text === "" || end !== text.length) return text === "0" ? 0 : undefined;
  return total;
}

/** Job variables: `variable "x" { default = … }` overridden by `--var x=…`. */
function jobVariables(
  root: JsonObject,
  overrides: Record<string, string>,
  file: string,
): Record<string, Json> {
  const vars: Record<string, Json> = {};
  for (const [name, body] of labelled(root.variable)) {
    if (body.default !== undefined) vars[name] = body.default;
  }
  for (const [k, v] of Object.entries(overrides)) vars[k] = v;
  for (const [name, body] of labelled(root.variable)) {
    if (!(name in vars)) {
      throw new JobSpecError(
        file,
        `variable "${name}"`,
        `no default and no --var ${name}=… given${
          typeof body.description === "string" ? ` (${body.description})` : ""
        }`,
      );
    }
  }
  return vars;
}

/** Replaces `${var.x}` (jobspec variables); leaves every other `${…}` for the task env. */
function resolveVars(v: Json, vars: Record<string, Json>, file: string): Json {
  if (typeof v === "string") {
    const whole = /^\$\{\s*var\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}$/.exec(v);
    if (whole) return lookup(whole[1]!, vars, file);
    return v.replace(/\$\{\s*var\.([A-Za-z_][A-Za-z0-9_-]*)\s*\}/g, (_m, name: string) => {
      const value = lookup(name, vars, file);
      return typeof value === "string" ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(v)) return v.map((e) => resolveVars(e, vars, file));
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, e] of Object.entries(v)) out[k] = resolveVars(e, vars, file);
    return out;
  }
  return v;
}

function lookup(name: string, vars: Record<string, Json>, file: string): Json {
  if (!Object.hasOwn(vars, name)) {
    throw new JobSpecError(file, `var.${name}`, `unknown variable (declare it or pass --var)`);
  }
  return vars[name]!;
}

function str(v: Json | undefined, fallback = ""): string {
  if (v === undefined || v === null) return fallback;
  return typeof v === "string" ? v : String(v);
}

function num(v: Json | undefined, where: string, file: string, fallback = 0): number {
  if (v === undefined || v === null) return fallback;
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isFinite(n)) {
    throw new JobSpecError(file, where, `not a number: ${JSON.stringify(v)}`);
  }
  return n;
}

function ports(network: JsonObject | undefined, where: string, file: string): PortDecl[] {
  if (!network) return [];
  const out: PortDecl[] = [];
  for (const [label, body] of labelled(network.port)) {
    out.push({
      label,
      static: num(body.static, `${where}.port "${label}".static`, file),
      to: num(body.to, `${where}.port "${label}".to`, file),
    });
  }
  return out;
}

function strList(v: Json | undefined): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((e) => str(e));
}

function task(name: string, body: JsonObject, where: string, file: string): TaskDecl {
  const lc = bodies(body.lifecycle)[0];
  let lifecycle: Lifecycle | undefined;
  if (lc) {
    const hook = str(lc.hook);
    if (hook !== "prestart" && hook !== "poststart" && hook !== "poststop") {
      throw new JobSpecError(
        file,
        `${where}.lifecycle.hook`,
        `must be prestart, poststart or poststop, not ${JSON.stringify(hook)}`,
      );
    }
    lifecycle = { hook, sidecar: lc.sidecar === true || lc.sidecar === "true" };
  }
  const env: Record<string, string> = {};
  for (const e of bodies(body.env)) for (const [k, v] of Object.entries(e)) env[k] = str(v);
  const templates: TemplateDecl[] = bodies(body.template).map((t, i) => {
    const at = `${where}.template[${i}]`;
    if (typeof t.data !== "string") {
      throw new JobSpecError(
        file,
        `${at}.data`,
        "only inline `data` templates are supported (no `source`)",
      );
    }
    if (typeof t.destination !== "string" || t.destination === "") {
      throw new JobSpecError(file, `${at}.destination`, "a destination is required");
    }
    return {
      destination: t.destination,
      data: t.data,
      perms: str(t.perms, "644"),
      leftDelimiter: str(t.left_delimiter, "{{"),
      rightDelimiter: str(t.right_delimiter, "}}"),
    };
  });
  const res = bodies(body.resources)[0] ?? {};
  const killTimeout = str(body.kill_timeout, "5s");
  const killTimeoutMs = parseDurationMs(killTimeout);
  if (killTimeoutMs === undefined) {
    throw new JobSpecError(file, `${where}.kill_timeout`, `not a duration: "${killTimeout}"`);
  }
  const cfg = bodies(body.config)[0] ?? {};
  return {
    name,
    driver: str(body.driver),
    config: cfg,
    lifecycle,
    env,
    templates,
    artifacts: bodies(body.artifact).length,
    killSignal: str(body.kill_signal),
    killTimeoutMs,
    user: str(body.user),
    cpu: num(res.cpu, `${where}.resources.cpu`, file, 100),
    memoryMb: num(res.memory, `${where}.resources.memory`, file, 300),
    memoryMaxMb: num(res.memory_max, `${where}.resources.memory_max`, file, 0),
    cores: num(res.cores, `${where}.resources.cores`, file, 0),
    legacyPorts: bodies(res.network).flatMap((n) => ports(n, `${where}.resources.network`, file)),
  };
}

/** Parses job file text. `vars` are `--var` overrides. */
export async function parseJob(
  file: string,
  text: string,
  vars: Record<string, string> = {},
): Promise<JobDecl> {
  let parsed: unknown;
  try {
    parsed = await parse(file, text);
  } catch (e) {
    throw new JobSpecError(file, "", `HCL parse error: ${(e as Error).message}`);
  }
  if (!isObject(parsed)) throw new JobSpecError(file, "", "not an HCL body");
  const jobs = labelled(parsed.job);
  if (jobs.length !== 1) {
    throw new JobSpecError(file, "", `expected exactly one job block, found ${jobs.length}`);
  }
  const variables = jobVariables(parsed, vars, file);
  const [jobName, rawJob] = jobs[0]!;
  const jobBody = resolveVars(rawJob, variables, file) as JsonObject;
  const groups: GroupDecl[] = labelled(jobBody.group).map(([groupName, g]) => {
    const where = `group "${groupName}"`;
    const network = bodies(g.network)[0];
    const dnsBody = network ? bodies(network.dns)[0] : undefined;
    const tasks = labelled(g.task).map(([taskName, t]) =>
      task(taskName, t, `${where}.task "${taskName}"`, file)
    );
    return {
      name: groupName,
      count: num(g.count, `${where}.count`, file, 1),
      networkMode: str(network?.mode, "host"),
      ports: ports(network, `${where}.network`, file),
      dns: dnsBody
        ? {
          servers: strList(dnsBody.servers),
          searches: strList(dnsBody.searches),
          options: strList(dnsBody.options),
        }
        : undefined,
      tasks,
    };
  });
  if (groups.length === 0) throw new JobSpecError(file, `job "${jobName}"`, "has no group");
  return {
    name: jobName,
    type: str(jobBody.type, "service"),
    datacenters: strList(jobBody.datacenters),
    groups,
  };
}

/** Reads and parses a job file. */
export async function loadJob(file: string, vars: Record<string, string> = {}): Promise<JobDecl> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    throw new JobSpecError(file, "", `cannot read: ${(e as Error).message}`);
  }
  return await parseJob(file, text, vars);
}
