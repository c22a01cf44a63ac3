/**
 * Post-create verification: compares the spec we sent with what
 * `GET /libpod/containers/{id}/json` reports, so a setting Podman silently
 * dropped (an unknown JSON key, an unsupported mode) becomes a named problem
 * instead of a surprise at run time.
 *
 * A check runs only when inspect reports the field at all (Podman 4.3 does
 * not report `Sysctls`, for example). Static IPs and MACs are checked only
 * once the container has an address (after start). Env values are never
 * compared or echoed: they may hold secrets.
 *
 * @module
 */

import { isNoHealthcheck } from "./healthcheck.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { SpecGenerator } from "./types.ts";

/** The inspect fields we read; everything optional, `null` tolerated. */
export interface InspectView {
  AppArmorProfile?: string;
  State?: { Running?: boolean; Status?: string } | null;
  Config?: {
    Tty?: boolean;
    User?: string;
    Hostname?: string;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    Healthcheck?: { Test?: string[] | null; Interval?: number; Retries?: number } | null;
  } | null;
  HostConfig?: {
    Memory?: number;
    MemoryReservation?: number;
    MemorySwap?: number;
    MemorySwappiness?: number;
    ShmSize?: number;
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    CpuShares?: number;
    CpusetCpus?: string;
    PidsLimit?: number;
    Privileged?: boolean;
    ReadonlyRootfs?: boolean;
    CapAdd?: string[] | null;
    CapDrop?: string[] | null;
    Binds?: string[] | null;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[] | null> | null;
    Devices?: { PathOnHost?: string; PathInContainer?: string }[] | null;
    Tmpfs?: Record<string, string> | null;
    UsernsMode?: string;
    IpcMode?: string;
    NetworkMode?: string;
    Ulimits?: { Name?: string; Soft?: number; Hard?: number }[] | null;
    Sysctls?: Record<string, string> | null;
    Init?: boolean;
    OomScoreAdj?: number;
    SecurityOpt?: string[] | null;
    Dns?: string[] | null;
    ExtraHosts?: string[] | null;
  } | null;
  Mounts?: { Type?: string; Source?: string; Destination?: string }[] | null;
  NetworkSettings?: {
    Networks?:
      | Record<
        string,
        { IPAddress?: string; GlobalIPv6Address?: string; MacAddress?: string } | null
      >
      | null;
  } | null;
}

/** One setting Podman did not apply as asked. */
export interface VerificationProblem {
  /** The job option (HCL name) the setting came from, e.g. `shm_size`. */
  option: string;
  expected: unknown;
  actual: unknown;
  message: string;
}

/** Which of the job's address options a static IP came from (for naming). */
export type AddressOrigin = Pick<TaskConfig, "ipv4Address" | "ipv6Address">;

class Collector {
  readonly problems: VerificationProblem[] = [];
  add(option: string, expected: unknown, actual: unknown, what = option): void {
    this.problems.push({
      option,
      expected,
      actual,
      message: `Podman did not apply ${what}: asked for ${JSON.stringify(expected)}, got ${
        JSON.stringify(actual)
      }`,
    });
  }
  /** Compares when Podman reports the field. */
  equal(option: string, expected: unknown, actual: unknown): void {
    if (expected === undefined || actual === undefined || actual === null) return;
    if (expected !== actual) this.add(option, expected, actual);
  }
}

function capName(cap: string): string {
  const up = cap.toUpperCase();
  return up.startsWith("CAP_") ? up : `CAP_${up}`;
}

function rlimitName(name: string): string {
  const up = name.toUpperCase();
  return up.startsWith("RLIMIT_") ? up : `RLIMIT_${up}`;
}

/** Expands a cpuset list ("0-2,4") into a sorted, comma-joined list. */
function cpuset(value: string): string {
  const cpus = new Set<number>();
  for (const part of value.split(",").map((p) => p.trim()).filter((p) => p !== "")) {
    const [lo, hi = lo] = part.split("-").map(Number);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b).join(",");
}

function checkResources(
  c: Collector,
  spec: SpecGenerator,
  hc: NonNullable<InspectView["HostConfig"]>,
) {
  const mem = spec.resource_limits?.memory;
  c.equal("resources.memory", mem?.limit, hc.Memory);
  c.equal("memory_reservation", mem?.reservation, hc.MemoryReservation);
  // Unlimited swap comes back rounded (and does not survive a double exactly): any huge value is fine.
  const hugeSwap = (v: number | undefined) => v !== undefined && v >= 2 ** 62;
  if (!(hugeSwap(mem?.swap) && hugeSwap(hc.MemorySwap))) {
    c.equal("memory_swap", mem?.swap, hc.MemorySwap);
  }
  c.equal("memory_swappiness", mem?.swappiness, hc.MemorySwappiness);
  const cpu = spec.resource_limits?.cpu;
  c.equal("cpu_hard_limit", cpu?.quota, hc.CpuQuota);
  c.equal("cpu_cfs_period", cpu?.period, hc.CpuPeriod);
  c.equal("resources.cpu", cpu?.shares, hc.CpuShares);
  if (cpu?.cpus !== undefined && typeof hc.CpusetCpus === "string") {
    if (cpuset(cpu.cpus) !== cpuset(hc.CpusetCpus)) {
      c.add("resources.cores", cpu.cpus, hc.CpusetCpus);
    }
  }
  c.equal("pids_limit", spec.resource_limits?.pids?.limit, hc.PidsLimit);
  c.equal("shm_size", spec.shm_size, hc.ShmSize);
  c.equal("oom_score_adj", spec.oom_score_adj, hc.OomScoreAdj);
  if (hc.Ulimits) {
    for (const rl of spec.r_limits ?? []) {
      const got = hc.Ulimits.find((u) => u.Name && rlimitName(u.Name) === rlimitName(rl.type));
      if (!got || got.Soft !== rl.soft || got.Hard !== rl.hard) {
        c.add(`ulimit.${rl.type}`, { soft: rl.soft, hard: rl.hard }, got ?? null);
      }
    }
  }
  if (hc.Sysctls) {
    for (const [k, v] of Object.entries(spec.sysctl ?? {})) {
      if (hc.Sysctls[k] !== v) c.add(`sysctl.${k}`, v, hc.Sysctls[k] ?? null);
    }
  }
}

function checkSecurity(c: Collector, spec: SpecGenerator, view: InspectView) {
  const hc = view.HostConfig ?? {};
  c.equal("privileged", spec.privileged, hc.Privileged);
  c.equal("readonly_rootfs", spec.read_only_filesystem, hc.ReadonlyRootfs);
  // `cap_drop = ["ALL"]`: Podman expands it. CapDrop then lists the default
  // capabilities not added back and CapAdd only added ones outside the
  // defaults, so the check is that no requested capability ended up dropped.
  if ((spec.cap_drop ?? []).some((cap) => capName(cap) === "CAP_ALL")) {
    const dropped = new Set((hc.CapDrop ?? []).map(capName));
    for (const cap of spec.cap_add ?? []) {
      if (dropped.has(capName(cap))) c.add("cap_add", capName(cap), hc.CapDrop ?? []);
    }
  } else if (hc.CapAdd && !spec.privileged) {
    // Privileged containers get every capability; CapAdd is then not listed.
    const have = new Set(hc.CapAdd.map(capName));
    for (const cap of spec.cap_add ?? []) {
      if (!have.has(capName(cap))) c.add("cap_add", capName(cap), hc.CapAdd);
    }
  }
  if (hc.CapDrop && !(spec.cap_drop ?? []).some((cap) => capName(cap) === "CAP_ALL")) {
    const have = new Set(hc.CapDrop.map(capName));
    for (const cap of spec.cap_drop ?? []) {
      if (!have.has(capName(cap))) c.add("cap_drop", capName(cap), hc.CapDrop);
    }
  }
  if (hc.SecurityOpt) {
    const want: string[] = [];
    if (spec.no_new_privileges) want.push("no-new-privileges");
    const ann = spec.annotations ?? {};
    const label = ann["io.podman.annotations.label"];
    if (label) want.push(...label.split(",label=").map((l) => `label=${l}`));
    if (ann["io.podman.annotations.seccomp"]) {
      want.push(`seccomp=${ann["io.podman.annotations.seccomp"]}`);
    }
    for (const opt of want) {
      if (!hc.SecurityOpt.includes(opt)) c.add("security_opt", opt, hc.SecurityOpt);
    }
  }
  if (spec.apparmor_profile && view.AppArmorProfile !== undefined) {
    c.equal("apparmor_profile", spec.apparmor_profile, view.AppArmorProfile);
  }
  c.equal("init", spec.init, hc.Init);
  // Podman ≤ 4.3 reports "" for the host namespace, "private" for auto/keep-id/nomap.
  const userns = spec.userns?.nsmode;
  if (userns && userns !== "host" && hc.UsernsMode !== undefined && hc.UsernsMode === "") {
    c.add("userns", userns, hc.UsernsMode);
  }
}

function checkStorage(c: Collector, spec: SpecGenerator, view: InspectView) {
  const hc = view.HostConfig ?? {};
  const destinations = new Set<string>();
  for (const m of view.Mounts ?? []) if (m.Destination) destinations.add(m.Destination);
  for (const b of hc.Binds ?? []) destinations.add(b.split(":")[1] ?? "");
  const known = view.Mounts != null || hc.Binds != null;
  for (const m of spec.mounts ?? []) {
    if (m.type === "bind" && known && !destinations.has(m.destination)) {
      c.add("volumes", `${m.source}:${m.destination}`, [...destinations], "a bind mount");
    }
    if (m.type === "tmpfs" && hc.Tmpfs && !(m.destination in hc.Tmpfs)) {
      c.add("tmpfs", m.destination, Object.keys(hc.Tmpfs));
    }
  }
  if (hc.Devices) {
    const have = new Set(hc.Devices.map((d) => d.PathOnHost));
    for (const d of spec.devices ?? []) {
      const hostPath = d.path.split(":")[0];
      if (!have.has(hostPath)) c.add("devices", d.path, [...have]);
    }
  }
}

/** The IpcMode / NetworkMode string inspect shows for a namespace. */
function nsString(ns: { nsmode: string; value?: string }): string {
  if (ns.nsmode === "path") return `ns:${ns.value ?? ""}`;
  if (ns.nsmode === "container") return "container:";
  return ns.nsmode;
}

function checkNamespaces(
  c: Collector,
  spec: SpecGenerator,
  view: InspectView,
  origin?: AddressOrigin,
) {
  const hc = view.HostConfig ?? {};
  // Podman 4.3.1 reports IpcMode "shareable" whatever the mode (checked against
  // /proc/self/ns/ipc): that value tells us nothing.
  if (spec.ipcns && hc.IpcMode && hc.IpcMode !== "shareable") {
    const want = nsString(spec.ipcns);
    if (!hc.IpcMode.startsWith(want)) c.add("ipc_mode", want, hc.IpcMode);
  }
  if (spec.netns && hc.NetworkMode) {
    const want = nsString(spec.netns);
    if (!hc.NetworkMode.startsWith(want)) c.add("network_mode", want, hc.NetworkMode);
  }
  if (spec.portmappings && hc.PortBindings) {
    for (const p of spec.portmappings) {
      const key = `${p.container_port}/${p.protocol}`;
      const bound = hc.PortBindings[key] ?? [];
      if (!bound.some((b) => b.HostPort === String(p.host_port))) {
        c.add("ports", `${p.host_port}->${key}`, Object.keys(hc.PortBindings));
      }
    }
  }
  const nets = view.NetworkSettings?.Networks;
  for (const [name, opts] of Object.entries(spec.Networks ?? {})) {
    if (!nets) break;
    const got = nets[name];
    if (!got) {
      c.add("network_mode", name, Object.keys(nets), `network ${name}`);
      continue;
    }
    const addresses = [got.IPAddress, got.GlobalIPv6Address].filter((a) => a);
    if (addresses.length === 0) continue; // not started: no address yet
    for (const ip of opts.static_ips ?? []) {
      if (addresses.includes(ip)) continue;
      const option = ip === origin?.ipv4Address || (!origin && !ip.includes(":"))
        ? "ipv4_address"
        : ip === origin?.ipv6Address || (!origin && ip.includes(":"))
        ? "ipv6_address"
        : "static_ips";
      c.add(option, ip, addresses);
    }
    if (opts.static_mac && got.MacAddress !== undefined && got.MacAddress !== opts.static_mac) {
      c.add("static_mac", opts.static_mac, got.MacAddress);
    }
  }
}

function checkProcess(c: Collector, spec: SpecGenerator, view: InspectView) {
  const cfg = view.Config ?? {};
  c.equal("tty", spec.terminal, cfg.Tty);
  c.equal("hostname", spec.hostname, cfg.Hostname);
  c.equal("working_dir", spec.work_dir, cfg.WorkingDir);
  c.equal("user", spec.user, cfg.User);
  if (cfg.Labels) {
    for (const [k, v] of Object.entries(spec.labels ?? {})) {
      if (cfg.Labels[k] !== v) c.add("labels", `${k}=${v}`, cfg.Labels[k] ?? null);
    }
  }
  const hc = view.HostConfig ?? {};
  if (spec.dns_server && hc.Dns) {
    for (const s of spec.dns_server) if (!hc.Dns.includes(s)) c.add("dns", s, hc.Dns);
  }
  if (spec.hostadd && hc.ExtraHosts) {
    for (const h of spec.hostadd) {
      if (!hc.ExtraHosts.includes(h)) c.add("extra_hosts", h, hc.ExtraHosts);
    }
  }
}

function checkHealthcheck(c: Collector, spec: SpecGenerator, view: InspectView) {
  const want = spec.healthconfig;
  if (!want) return;
  const got = view.Config?.Healthcheck;
  if (isNoHealthcheck(want.Test)) {
    if (!isNoHealthcheck(got?.Test ?? undefined)) {
      c.add("healthchecks.disable", ["NONE"], got?.Test);
    }
    return;
  }
  if (!got) return;
  if (JSON.stringify(got.Test) !== JSON.stringify(want.Test)) {
    c.add("healthchecks.cmd", want.Test, got.Test ?? null);
  }
  c.equal("healthchecks.interval", want.Interval, got.Interval);
  c.equal("healthchecks.retries", want.Retries, got.Retries);
}

/**
 * Lists the settings of `spec` that the created container does not show.
 * An empty list means everything we can observe was applied. Pass `origin`
 * (the job's address options) so static IP problems name the right option.
 */
export function verifyContainer(
  spec: SpecGenerator,
  inspect: InspectView,
  origin?: AddressOrigin,
): VerificationProblem[] {
  const c = new Collector();
  if (inspect.HostConfig) checkResources(c, spec, inspect.HostConfig);
  checkSecurity(c, spec, inspect);
  checkStorage(c, spec, inspect);
  checkNamespaces(c, spec, inspect, origin);
  checkProcess(c, spec, inspect);
  checkHealthcheck(c, spec, inspect);
  return c.problems;
}
