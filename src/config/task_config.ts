/**
 * The job's task `config { ... }` block: the schema we return from
 * `TaskConfigSchema` and the decoder for `TaskConfig.msgpack_driver_config`.
 *
 * Map-valued options (`labels`, `sysctl`, `ulimit`, `port_map`,
 * `logging.options`) are declared `list(map(T))` like Nomad's own drivers,
 * so both `labels = { a = "b" }` and `labels { a = "b" }` decode
 * (PROTOCOL.md §5.2); the list's maps are merged, later keys winning.
 *
 * @module
 */

import { attr, attrDefault, block, obj, type Spec } from "../hclspec/mod.ts";
import { durationField } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import { decodeWithSpec, type Plain, type PlainObject } from "./cty_msgpack.ts";
import { asString, Fields } from "./fields.ts";
import { decodeLogging, DEFAULT_SOCKET_NAME } from "./plugin_config.ts";
import { sizeField } from "./size.ts";
import type { HealthcheckConfig, TaskAuth, TaskConfig } from "./types.ts";
import {
  checkExtraHost,
  checkSecurityOpt,
  checkUlimit,
  checkUserns,
  isIpAddress,
} from "./validators.ts";
import { isIP } from "node:net";

/** Default `cpu_cfs_period` (µs). */
export const DEFAULT_CPU_CFS_PERIOD = 100_000;

/** Schema returned by `TaskConfigSchema` (inventory §2). */
export const TASK_CONFIG_SPEC: Spec = obj({
  image: attr("image", "string", true),
  image_pull_timeout: attrDefault("image_pull_timeout", "string", "5m"),
  force_pull: attr("force_pull", "bool"),
  arch: attr("arch", "string"),
  os: attr("os", "string"),
  variant: attr("variant", "string"),
  auth: block(
    "auth",
    obj({
      username: attr("username", "string"),
      password: attr("password", "string"),
      tls_verify: attrDefault("tls_verify", "bool", true),
    }),
  ),
  auth_soft_fail: attr("auth_soft_fail", "bool"),
  entrypoint: attr("entrypoint", "any"),
  command: attr("command", "string"),
  args: attr("args", "list(string)"),
  working_dir: attr("working_dir", "string"),
  hostname: attr("hostname", "string"),
  init: attr("init", "bool"),
  init_path: attr("init_path", "string"),
  labels: attr("labels", "list(map(string))"),
  logging: block(
    "logging",
    obj({
      driver: attr("driver", "string"),
      options: attr("options", "list(map(string))"),
    }),
  ),
  memory_reservation: attr("memory_reservation", "string"),
  memory_swap: attr("memory_swap", "string"),
  memory_swappiness: attr("memory_swappiness", "number"),
  network_mode: attr("network_mode", "string"),
  ipc_mode: attr("ipc_mode", "string"),
  ipv4_address: attr("ipv4_address", "string"),
  ipv6_address: attr("ipv6_address", "string"),
  static_ips: attr("static_ips", "list(string)"),
  static_mac: attr("static_mac", "string"),
  extra_hosts: attr("extra_hosts", "list(string)"),
  oom_score_adj: attr("oom_score_adj", "number"),
  pids_limit: attr("pids_limit", "number"),
  ports: attr("ports", "list(string)"),
  port_map: attr("port_map", "list(map(number))"),
  cap_add: attr("cap_add", "list(string)"),
  cap_drop: attr("cap_drop", "list(string)"),
  selinux_opts: attr("selinux_opts", "list(string)"),
  apparmor_profile: attr("apparmor_profile", "string"),
  security_opt: attr("security_opt", "list(string)"),
  privileged: attr("privileged", "bool"),
  readonly_rootfs: attr("readonly_rootfs", "bool"),
  tty: attr("tty", "bool"),
  sysctl: attr("sysctl", "list(map(string))"),
  ulimit: attr("ulimit", "list(map(string))"),
  cpu_hard_limit: attr("cpu_hard_limit", "bool"),
  cpu_cfs_period: attrDefault("cpu_cfs_period", "number", DEFAULT_CPU_CFS_PERIOD),
  devices: attr("devices", "list(string)"),
  tmpfs: attr("tmpfs", "list(string)"),
  volumes: attr("volumes", "list(string)"),
  userns: attr("userns", "string"),
  shm_size: attr("shm_size", "string"),
  socket: attrDefault("socket", "string", DEFAULT_SOCKET_NAME),
  // Extension (reference issue #342): turn off or override the image's HEALTHCHECK.
  healthchecks: block(
    "healthchecks",
    obj({
      disable: attr("disable", "bool"),
      cmd: attr("cmd", "any"),
      interval: attr("interval", "string"),
      timeout: attr("timeout", "string"),
      retries: attr("retries", "number"),
      start_period: attr("start_period", "string"),
    }),
  ),
});

/** Options of {@link decodeTaskConfig}. */
export interface TaskConfigOptions {
  /** Called for deprecated-but-accepted input (e.g. `entrypoint` as a string). */
  onWarning?: (message: string) => void;
}

/**
 * Decodes and validates `TaskConfig.msgpack_driver_config` (everything that
 * can be checked without Podman).
 *
 * @throws {ConfigError} naming the offending field and value.
 */
export function decodeTaskConfig(bytes: Uint8Array, opts: TaskConfigOptions = {}): TaskConfig {
  return taskConfigFrom(decodeWithSpec(bytes, TASK_CONFIG_SPEC), opts);
}

/**
 * The task config a block holding only `image = "<image>"` decodes to: every
 * other option at its default. Built by the decoder itself, so it cannot
 * drift from {@link decodeTaskConfig}.
 *
 * @throws {ConfigError} when `image` is empty.
 */
export function defaultTaskConfig(image: string): TaskConfig {
  return taskConfigFrom({ ...decodeWithSpec(new Uint8Array(), TASK_CONFIG_SPEC), image }, {});
}

/**
 * Validates a spec-shaped object (every attribute present, null when absent).
 *
 * Longer than 60 lines on purpose: one line per task option, in the order of
 * the spec, so that the option list reads as one table.
 */
function taskConfigFrom(plain: PlainObject, opts: TaskConfigOptions): TaskConfig {
  const f = new Fields(plain, "");

  const image = f.str("image");
  if (image === undefined || image.trim() === "") {
    throw new ConfigError("image", image, "an image name is required");
  }

  const ports = f.strList("ports");
  const portMap = f.mergedMap("port_map", portNumber);
  if (ports.length > 0 && Object.keys(portMap).length > 0) {
    throw new ConfigError("port_map", portMap, "cannot be used together with ports");
  }

  const extraHosts = f.strList("extra_hosts");
  extraHosts.forEach((h, i) => checkExtraHost(`extra_hosts[${i}]`, h));

  const securityOpt = f.strList("security_opt");
  securityOpt.forEach((o, i) => checkSecurityOpt(`security_opt[${i}]`, o));

  const ulimit = f.mergedMap("ulimit", asString);
  for (const [name, v] of Object.entries(ulimit)) checkUlimit(`ulimit.${name}`, name, v);

  const userns = f.str("userns") ?? "";
  checkUserns("userns", userns);

  const ipv4 = f.str("ipv4_address") ?? "";
  if (ipv4 !== "" && isIP(ipv4) !== 4) {
    throw new ConfigError("ipv4_address", ipv4, "not an IPv4 address");
  }
  const ipv6 = f.str("ipv6_address") ?? "";
  if (ipv6 !== "" && (isIP(ipv6) !== 6 || !isIpAddress(ipv6))) {
    throw new ConfigError("ipv6_address", ipv6, "not an IPv6 address");
  }
  const staticIps = f.strList("static_ips");
  staticIps.forEach((s, i) => {
    if (!isIpAddress(s)) throw new ConfigError(`static_ips[${i}]`, s, "not an IP address");
  });
  const staticMac = f.str("static_mac") ?? "";
  if (staticMac !== "" && !/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(staticMac)) {
    throw new ConfigError("static_mac", staticMac, "not a MAC address (xx:xx:xx:xx:xx:xx)");
  }

  const ipcMode = f.str("ipc_mode") ?? "";
  checkIpcMode(ipcMode);
  const shmSizeText = f.str("shm_size");
  const shmSize = shmSizeText === undefined ? undefined : sizeField("shm_size", shmSizeText);
  if (shmSize !== undefined && !["", "private", "shareable"].includes(ipcMode)) {
    throw new ConfigError("shm_size", shmSizeText, `cannot be used with ipc_mode=${ipcMode}`);
  }

  const memRes = f.str("memory_reservation");
  const memSwap = f.str("memory_swap");
  // An empty `logging {}` block (no driver, no options) keeps the plugin default.
  const loggingBlock = f.sub("logging");
  const logging = decodeLogging(loggingBlock, "logging");
  const loggingBlockEmpty = logging !== undefined && !loggingBlock?.str("driver") &&
    Object.keys(logging.options).length === 0;

  const entrypoint = decodeEntrypoint(f.raw("entrypoint"), opts);
  const command = f.str("command") ?? "";
  const args = f.strList("args");
  checkExecArgs([
    ...(entrypoint ?? []).map((a, i) => [`entrypoint[${i}]`, a] as const),
    ["command", command] as const,
    ...args.map((a, i) => [`args[${i}]`, a] as const),
  ]);

  return {
    image,
    imagePullTimeoutMs: durationField("image_pull_timeout", f.str("image_pull_timeout") ?? "5m"),
    forcePull: f.bool("force_pull") ?? false,
    arch: f.str("arch") ?? "",
    os: f.str("os") ?? "",
    variant: f.str("variant") ?? "",
    auth: decodeAuth(f.sub("auth")),
    authSoftFail: f.bool("auth_soft_fail") ?? false,
    entrypoint,
    command,
    args,
    workingDir: f.str("working_dir") ?? "",
    hostname: f.str("hostname") ?? "",
    init: f.bool("init") ?? false,
    initPath: f.str("init_path") ?? "",
    labels: f.mergedMap("labels", asString),
    logging: loggingBlockEmpty ? undefined : logging,
    memoryReservation: memRes === undefined ? undefined : sizeField("memory_reservation", memRes),
    memorySwap: memSwap === undefined
      ? undefined
      : sizeField("memory_swap", memSwap, { allowUnlimited: true, allowBare: true }),
    memorySwappiness: f.intIn("memory_swappiness", 0, 100),
    networkMode: f.str("network_mode") ?? "",
    ipcMode,
    ipv4Address: ipv4,
    ipv6Address: ipv6,
    staticIps,
    staticMac,
    extraHosts,
    oomScoreAdj: f.intIn("oom_score_adj", -1000, 1000) ?? 0,
    pidsLimit: f.intIn("pids_limit", 0, Number.MAX_SAFE_INTEGER) ?? 0,
    ports,
    portMap,
    capAdd: f.strList("cap_add"),
    capDrop: f.strList("cap_drop"),
    selinuxOpts: f.strList("selinux_opts"),
    apparmorProfile: f.str("apparmor_profile") ?? "",
    securityOpt,
    privileged: f.bool("privileged") ?? false,
    readonlyRootfs: f.bool("readonly_rootfs") ?? false,
    tty: f.bool("tty") ?? false,
    sysctl: f.mergedMap("sysctl", asString),
    ulimit,
    cpuHardLimit: f.bool("cpu_hard_limit") ?? false,
    cpuCfsPeriod: f.intIn("cpu_cfs_period", 1000, 1_000_000) ?? DEFAULT_CPU_CFS_PERIOD,
    devices: f.strList("devices"),
    tmpfs: f.strList("tmpfs"),
    volumes: f.strList("volumes"),
    userns,
    shmSize,
    socket: f.str("socket") || DEFAULT_SOCKET_NAME,
    healthchecks: decodeHealthchecks(f.sub("healthchecks")),
  };
}

/** `healthchecks { disable, cmd, interval, timeout, retries, start_period }`. */
function decodeHealthchecks(b: Fields | undefined): HealthcheckConfig | undefined {
  if (!b) return undefined;
  const dur = (key: string): number | undefined => {
    const v = b.str(key);
    return v === undefined ? undefined : durationField(b.at(key), v, { positive: true });
  };
  const cmd = b.raw("cmd");
  let test: string[] | undefined;
  if (typeof cmd === "string") {
    if (cmd.trim() === "") throw new ConfigError(b.at("cmd"), cmd, "must not be empty");
    test = ["CMD-SHELL", cmd];
  } else if (Array.isArray(cmd)) {
    const argv = cmd.map((e, i) => {
      if (typeof e !== "string") {
        throw new ConfigError(`${b.at("cmd")}[${i}]`, e, "expected a string");
      }
      return e;
    });
    if (argv.length === 0) throw new ConfigError(b.at("cmd"), cmd, "must not be empty");
    test = ["CMD", ...argv];
  } else if (cmd !== null) {
    throw new ConfigError(
      b.at("cmd"),
      cmd,
      "expected a string (shell) or a list of strings (exec)",
    );
  }
  const disable = b.bool("disable") ?? false;
  const out: HealthcheckConfig = {
    disable,
    test,
    intervalMs: dur("interval"),
    timeoutMs: dur("timeout"),
    retries: b.intIn("retries", 1, 1_000_000),
    startPeriodMs: b.str("start_period") === undefined
      ? undefined
      : durationField(b.at("start_period"), b.str("start_period")!),
  };
  if (disable && (test || out.intervalMs || out.timeoutMs || out.retries || out.startPeriodMs)) {
    throw new ConfigError(
      b.at("disable"),
      true,
      "cannot be combined with other healthchecks options",
    );
  }
  return out;
}

function decodeAuth(b: Fields | undefined): TaskAuth | undefined {
  if (!b) return undefined;
  return {
    username: b.str("username") ?? "",
    password: b.str("password") ?? "",
    tlsVerify: b.bool("tls_verify") ?? true,
  };
}

function portNumber(v: Plain, path: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new ConfigError(path, v, "not a port number (1-65535)");
  }
  return v;
}

/** Linux MAX_ARG_STRLEN: one exec argument, NUL included (runc create hangs beyond it). */
export const MAX_ARG_BYTES = 128 * 1024;
/** What all exec arguments together may take (Linux ARG_MAX is 2 MiB with the environment). */
export const MAX_ARGV_BYTES = 1024 * 1024;

/** Refuses exec arguments the kernel would refuse (E2BIG) before they reach Podman. */
function checkExecArgs(argv: ReadonlyArray<readonly [string, string]>): void {
  const enc = new TextEncoder();
  let total = 0;
  for (const [field, arg] of argv) {
    const n = enc.encode(arg).length + 1;
    total += n;
    if (arg.includes("\0")) throw new ConfigError(field, arg, "contains a NUL character");
    if (n > MAX_ARG_BYTES) {
      throw new ConfigError(
        field,
        arg,
        `is ${n - 1} bytes long; one argument may have at most ${MAX_ARG_BYTES - 1}`,
      );
    }
  }
  if (total > MAX_ARGV_BYTES) {
    throw new ConfigError(
      "args",
      `<${total} bytes>`,
      `entrypoint, command and args together exceed ${MAX_ARGV_BYTES} bytes`,
    );
  }
}

/** `entrypoint`: a list of strings, or (deprecated) a single string. */
function decodeEntrypoint(v: Plain, opts: TaskConfigOptions): string[] | undefined {
  if (v === null) return undefined;
  if (typeof v === "string") {
    opts.onWarning?.("entrypoint as a string is deprecated; use a list of strings");
    return v === "" ? undefined : [v];
  }
  if (Array.isArray(v)) {
    return v.map((e, i) => {
      if (typeof e === "string") return e;
      if (typeof e === "number" || typeof e === "boolean") return String(e);
      throw new ConfigError(`entrypoint[${i}]`, e, "expected a string");
    });
  }
  throw new ConfigError("entrypoint", v, "expected a string or a list of strings");
}

/** `ipc_mode`: host, private, shareable, none, container:<id>, ns:<path>, task:<name>. */
function checkIpcMode(v: string): void {
  if (["", "host", "private", "shareable", "none"].includes(v)) return;
  if (/^(container|ns|task):.+$/.test(v)) return;
  throw new ConfigError(
    "ipc_mode",
    v,
    "unsupported ipc mode (host, private, shareable, none, container:<id>, ns:<path>, task:<name>)",
  );
}
