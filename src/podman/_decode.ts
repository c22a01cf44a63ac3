/**
 * Lenient decoders from Podman JSON to the types of `types.ts`. Only the
 * fields we read are looked at; missing or oddly typed fields get neutral
 * values, so Podman 4 and 5 shape differences do not break decoding.
 *
 * @module
 */

import type {
  ContainerHealth,
  ContainerInspect,
  ContainerListEntry,
  ContainerNetwork,
  ContainerStats,
  ExecInspect,
  HealthcheckSettings,
  ImageInspect,
  PodmanEvent,
  PullReport,
  StatsSample,
  SystemInfo,
} from "./types.ts";

type Obj = Record<string, unknown>;

/** The value as an object, or `{}`. */
export function obj(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? v as Obj : {};
}

/** True when `v` is a (non-array) object. */
export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The value as a string (numbers stringified), or `def`. */
export function str(v: unknown, def = ""): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return def;
}

/** The value as a finite number (numeric strings parsed), or `def`. */
export function num(v: unknown, def = 0): number {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return def;
}

/** The value as a boolean (`"true"` accepted), or false. */
export function bool(v: unknown): boolean {
  return v === true || v === "true";
}

/** The value as a string array (non-strings dropped), or `[]`. */
export function strArr(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The value as a string → string map (values stringified), or `{}`. */
export function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) {
    if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") {
      out[k] = String(x);
    }
  }
  return out;
}

/** An RFC 3339 time, or `undefined` for absent, unparsable or Go's zero time (year 1). */
export function time(v: unknown): Date | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return undefined;
  return d;
}

const SIGNAL_NAMES: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  4: "SIGILL",
  5: "SIGTRAP",
  6: "SIGABRT",
  7: "SIGBUS",
  8: "SIGFPE",
  9: "SIGKILL",
  10: "SIGUSR1",
  11: "SIGSEGV",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  17: "SIGCHLD",
  18: "SIGCONT",
  19: "SIGSTOP",
  20: "SIGTSTP",
  28: "SIGWINCH",
};

/** Podman 4's numeric or Podman 5's named stop signal, as a name (`SIGTERM`); `""` if unset. */
export function signalName(v: unknown): string {
  if (typeof v === "number") return v > 0 ? SIGNAL_NAMES[v] ?? String(v) : "";
  if (typeof v !== "string" || v.trim() === "") return "";
  const s = v.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalName(Number(s));
  return s.startsWith("SIG") ? s : `SIG${s}`;
}

/** Podman 4's space-joined string or Podman 5's array entrypoint, as an array. */
export function entrypoint(v: unknown): string[] {
  if (Array.isArray(v)) return strArr(v);
  if (typeof v === "string" && v.trim() !== "") return v.trim().split(/\s+/);
  return [];
}

/** Decodes `GET /libpod/info`. */
export function decodeInfo(v: unknown): SystemInfo {
  const root = obj(v);
  const host = obj(root.host);
  const sec = obj(host.security);
  const oci = isObj(host.ociRuntime) ? host.ociRuntime : undefined;
  const remote = isObj(host.remoteSocket) ? host.remoteSocket : undefined;
  return {
    hasHost: isObj(root.host),
    rootless: bool(sec.rootless),
    cgroupVersion: str(host.cgroupVersion),
    cgroupManager: str(host.cgroupManager),
    apparmorEnabled: bool(sec.apparmorEnabled),
    selinuxEnabled: bool(sec.selinuxEnabled),
    seccompEnabled: bool(sec.seccompEnabled),
    capabilities: str(sec.capabilities),
    ociRuntimePath: oci && typeof oci.path === "string" ? oci.path : undefined,
    remoteSocketPath: remote && typeof remote.path === "string" ? remote.path : undefined,
    version: str(obj(root.version).Version),
    cpus: num(host.cpus),
    memTotal: num(host.memTotal),
    runRoot: str(obj(root.store).runRoot),
  };
}

function decodeNetwork(v: unknown): ContainerNetwork {
  const n = obj(v);
  return {
    ipAddress: str(n.IPAddress),
    globalIPv6Address: str(n.GlobalIPv6Address),
    macAddress: str(n.MacAddress),
  };
}

/** Decodes `State.Health` or a healthcheck answer. */
export function decodeHealth(v: unknown): ContainerHealth {
  const h = obj(v);
  const log = Array.isArray(h.Log) ? h.Log.map(obj) : [];
  const last = log[log.length - 1];
  return {
    status: str(h.Status),
    failingStreak: num(h.FailingStreak),
    runs: log.length,
    lastOutput: last ? str(last.Output) : "",
    lastExitCode: last ? num(last.ExitCode) : -1,
  };
}

/** Decodes a container inspect. */
export function decodeContainerInspect(v: unknown): ContainerInspect {
  const c = obj(v);
  const state = obj(c.State);
  const config = obj(c.Config);
  const net = obj(c.NetworkSettings);
  const networks: Record<string, ContainerNetwork> = {};
  for (const [name, n] of Object.entries(obj(net.Networks))) networks[name] = decodeNetwork(n);
  return {
    id: str(c.Id),
    name: str(c.Name).replace(/^\//, ""),
    image: str(c.Image),
    imageName: str(c.ImageName),
    created: time(c.Created),
    state: {
      status: str(state.Status),
      running: bool(state.Running),
      paused: bool(state.Paused),
      oomKilled: bool(state.OOMKilled),
      pid: num(state.Pid),
      exitCode: num(state.ExitCode),
      error: str(state.Error),
      startedAt: time(state.StartedAt),
      finishedAt: time(state.FinishedAt),
    },
    health: decodeHealth(state.Health ?? state.Healthcheck),
    healthcheck: decodeHealthcheckSettings(config.Healthcheck),
    config: {
      entrypoint: entrypoint(config.Entrypoint),
      cmd: Array.isArray(config.Cmd) ? strArr(config.Cmd) : entrypoint(config.Cmd),
      env: strArr(config.Env),
      labels: strMap(config.Labels),
      tty: bool(config.Tty),
      user: str(config.User),
      workingDir: str(config.WorkingDir),
      stopSignal: signalName(config.StopSignal),
    },
    network: {
      ipAddress: str(net.IPAddress),
      globalIPv6Address: str(net.GlobalIPv6Address),
      networks,
    },
  };
}

/** Decodes one entry of the container list. */
export function decodeContainerListEntry(v: unknown): ContainerListEntry {
  const c = obj(v);
  const created = typeof c.Created === "number" ? new Date(c.Created * 1000) : time(c.Created);
  return {
    id: str(c.Id),
    names: strArr(c.Names).map((n) => n.replace(/^\//, "")),
    state: str(c.State),
    labels: strMap(c.Labels),
    image: str(c.Image),
    imageId: str(c.ImageID),
    created,
    exited: bool(c.Exited),
    exitCode: num(c.ExitCode),
    pid: num(c.Pid),
  };
}

/** Decodes an image inspect. */
export function decodeImageInspect(v: unknown): ImageInspect {
  const i = obj(v);
  return {
    id: str(i.Id),
    os: str(i.Os),
    architecture: str(i.Architecture),
    variant: str(i.Variant),
    repoTags: strArr(i.RepoTags),
    healthcheck: decodeHealthcheckSettings(i.HealthCheck ?? obj(i.Config).Healthcheck),
  };
}

/** Decodes a `Healthcheck` definition; `undefined` when absent or without a command. */
export function decodeHealthcheckSettings(v: unknown): HealthcheckSettings | undefined {
  const h = obj(v);
  const test = strArr(h.Test);
  if (test.length === 0) return undefined;
  return {
    test,
    intervalNs: num(h.Interval),
    timeoutNs: num(h.Timeout),
    startPeriodNs: num(h.StartPeriod),
    retries: num(h.Retries),
  };
}

/** Decodes one image pull report. */
export function decodePullReport(v: unknown): PullReport {
  const r = obj(v);
  return { stream: str(r.stream), error: str(r.error), images: strArr(r.images), id: str(r.id) };
}

const TIME_NANO_RE = /"timeNano"\s*:\s*(\d+)/;

/**
 * Decodes one event line. `raw` is the line's text: `timeNano` exceeds 2^53,
 * so it is read from the text to stay exact.
 */
export function decodeEvent(v: unknown, raw: string): PodmanEvent {
  const e = obj(v);
  const actor = obj(e.Actor);
  const attributes = strMap(actor.Attributes);
  const m = TIME_NANO_RE.exec(raw);
  const timeNano = m ? BigInt(m[1] as string) : BigInt(Math.trunc(num(e.time))) * 1_000_000_000n;
  const codeRaw = e.ContainerExitCode ?? attributes.containerExitCode ?? attributes.exitCode;
  const exitCode = codeRaw === undefined || codeRaw === "" ? undefined : num(codeRaw, NaN);
  return {
    type: str(e.Type ?? e.type),
    // Docker-compat answers say `die`; libpod's own name is `died`.
    action: normaliseAction(str(e.status ?? e.Action ?? e.Status)),
    id: str(e.id ?? actor.ID),
    name: attributes.name ?? "",
    image: str(e.from),
    exitCode: exitCode === undefined || Number.isNaN(exitCode) ? undefined : exitCode,
    attributes,
    timeNano,
  };
}

function normaliseAction(a: string): string {
  return a === "die" ? "died" : a;
}

/** Decodes one entry of libpod's `Stats` array. */
export function decodeStatsSample(v: unknown): StatsSample {
  const s = obj(v);
  const cpuNano = num(s.CPUNano);
  const cpuSystemNano = num(s.CPUSystemNano);
  return {
    containerId: str(s.ContainerID),
    name: str(s.Name),
    cpuNano,
    cpuSystemNano,
    cpuUserNano: Math.max(0, cpuNano - cpuSystemNano),
    systemNano: num(s.SystemNano),
    cpuPercent: num(s.CPU),
    memUsage: num(s.MemUsage),
    memLimit: num(s.MemLimit),
    pids: num(s.PIDs),
    netInput: num(s.NetInput),
    netOutput: num(s.NetOutput),
    blockInput: num(s.BlockInput),
    blockOutput: num(s.BlockOutput),
  };
}

function optNum(v: unknown): number | undefined {
  const n = num(v, NaN);
  return Number.isNaN(n) ? undefined : n;
}

/** Decodes the Docker-shaped one-shot stats of one container. */
export function decodeContainerStats(v: unknown): ContainerStats {
  const s = obj(v);
  const cpuStats = obj(s.cpu_stats);
  const usage = obj(cpuStats.cpu_usage);
  const thr = obj(cpuStats.throttling_data);
  const mem = obj(s.memory_stats);
  const memDetail = obj(mem.stats);
  return {
    read: time(s.read),
    cpu: {
      totalNano: num(usage.total_usage),
      kernelNano: num(usage.usage_in_kernelmode),
      userNano: num(usage.usage_in_usermode),
      systemNano: num(cpuStats.system_cpu_usage),
      onlineCpus: num(cpuStats.online_cpus),
      throttling: {
        periods: num(thr.periods),
        throttledPeriods: num(thr.throttled_periods),
        throttledTimeNano: num(thr.throttled_time),
      },
    },
    memory: {
      usage: num(mem.usage),
      maxUsage: num(mem.max_usage),
      limit: num(mem.limit),
      rss: optNum(memDetail.rss ?? memDetail.anon),
      cache: optNum(memDetail.cache ?? memDetail.file),
      swap: optNum(memDetail.swap),
    },
  };
}

/** Decodes exec inspect. */
export function decodeExecInspect(v: unknown): ExecInspect {
  const e = obj(v);
  const running = bool(e.Running);
  return {
    running,
    exitCode: running ? undefined : num(e.ExitCode),
    pid: num(e.Pid),
  };
}

/** `{cause, message}` of a parsed body that may be a Podman error object; `""` when absent. */
export function errorFields(v: unknown): { cause: string; message: string } {
  const o = obj(v);
  if ("cpu_stats" in o) return { cause: "", message: "" };
  return {
    cause: typeof o.cause === "string" ? o.cause : "",
    message: typeof o.message === "string" ? o.message : "",
  };
}
