/**
 * `resource_limits`, `r_limits`, `oom_score_adj`, `cgroup_parent`, `sysctl`.
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { TaskResources } from "../task_request.ts";
import type { ResourceLimits, Rlimit, SpecGenerator, SpecHost } from "./types.ts";

const MIB = 1024 * 1024;
/** Default and bounds of the CFS period, in microseconds. */
export const DEFAULT_CFS_PERIOD = 100_000;
const MIN_CFS_PERIOD = 1_000;
const MAX_CFS_PERIOD = 1_000_000;
const MIN_CFS_QUOTA = 1_000;

/** Hard and soft memory limits in bytes (`undefined`: not set). */
export interface MemoryLimits {
  limit: number | undefined;
  reservation: number | undefined;
}

/**
 * Memory limits with Nomad oversubscription:
 * - `memory_max = -1`: no hard limit; soft = reservation if below `memory`, else `memory`;
 * - `memory_max > 0`: hard = memory_max; soft = `memory`, lowered to the reservation;
 * - otherwise: hard = `memory`; soft = the reservation, if set.
 */
export function memoryLimits(
  resources: Pick<TaskResources, "memoryMb" | "memoryMaxMb">,
  reservation: number | undefined,
): MemoryLimits {
  const memory = resources.memoryMb * MIB;
  if (resources.memoryMaxMb === -1) {
    return {
      limit: undefined,
      reservation: reservation !== undefined && reservation < memory ? reservation : memory,
    };
  }
  if (resources.memoryMaxMb > 0) {
    return {
      limit: resources.memoryMaxMb * MIB,
      reservation: reservation !== undefined && reservation < memory ? reservation : memory,
    };
  }
  return { limit: memory > 0 ? memory : undefined, reservation };
}

/**
 * CFS quota and period for `cpu_hard_limit`: period = `cpu_cfs_period`
 * (0 → 100000, raised to ≥ 1000, error above 1000000), quota =
 * percentTicks × period × numCpus, at least 1000.
 */
export function cpuLimits(
  percentTicks: number,
  config: Pick<TaskConfig, "cpuHardLimit" | "cpuCfsPeriod">,
  numCpus: number,
): { quota: number; period: number } | undefined {
  if (!config.cpuHardLimit) return undefined;
  let period = config.cpuCfsPeriod === 0 ? DEFAULT_CFS_PERIOD : config.cpuCfsPeriod;
  if (period > MAX_CFS_PERIOD || period < 0) {
    throw new ConfigError("cpu_cfs_period", config.cpuCfsPeriod, "must be at most 1000000 (µs)");
  }
  period = Math.max(period, MIN_CFS_PERIOD);
  const quota = Math.max(Math.floor(percentTicks * period * numCpus), MIN_CFS_QUOTA);
  return { quota, period };
}

/** Parses the `ulimit` map (`name → "soft[:hard]"`, hard = soft when absent). */
export function parseUlimits(ulimit: Record<string, string>): Rlimit[] {
  const out: Rlimit[] = [];
  for (const [name, raw] of Object.entries(ulimit)) {
    const parts = raw.split(":");
    const ints = parts.map((p) => /^\d+$/.test(p.trim()) ? Number(p.trim()) : NaN);
    if (name === "" || parts.length > 2 || ints.some((n) => !Number.isSafeInteger(n))) {
      throw new ConfigError(
        `ulimit.${name}`,
        raw,
        'must be "soft" or "soft:hard" with non-negative integers',
      );
    }
    const [soft, hard = soft] = ints;
    if (hard < soft) {
      throw new ConfigError(`ulimit.${name}`, raw, "the soft limit exceeds the hard limit");
    }
    out.push({ type: name, soft, hard });
  }
  return out;
}

/** `memory_swap = "-1"`: the page-aligned maximum the kernel reports for "no limit". */
export const UNLIMITED_SWAP_BYTES = 9223372036854771712;

/** Builds the resource part of the spec. */
export function buildResources(
  resources: Pick<
    TaskResources,
    "memoryMb" | "memoryMaxMb" | "cpuShares" | "cpusetCpus" | "percentTicks"
  >,
  config: Pick<
    TaskConfig,
    | "memoryReservation"
    | "memorySwap"
    | "memorySwappiness"
    | "cpuHardLimit"
    | "cpuCfsPeriod"
    | "pidsLimit"
    | "oomScoreAdj"
    | "ulimit"
    | "sysctl"
  >,
  host: Pick<SpecHost, "rootless" | "cgroupVersion" | "cgroupManager" | "numCpus">,
): SpecGenerator {
  const limits: ResourceLimits = {};

  const mem = memoryLimits(resources, config.memoryReservation);
  const memory: NonNullable<ResourceLimits["memory"]> = {};
  if (mem.limit !== undefined) memory.limit = mem.limit;
  if (mem.reservation !== undefined) memory.reservation = mem.reservation;
  if (config.memorySwap !== undefined) {
    // Podman 4.3's API refuses -1 ("swap smaller than memory"): send the kernel's "no limit".
    memory.swap = config.memorySwap === -1 ? UNLIMITED_SWAP_BYTES : config.memorySwap;
  }
  // memory.swappiness does not exist on cgroup v2: Podman would refuse it.
  if (config.memorySwappiness !== undefined && host.cgroupVersion === 1) {
    memory.swappiness = config.memorySwappiness;
  }
  if (Object.keys(memory).length > 0) limits.memory = memory;

  const cpu: NonNullable<ResourceLimits["cpu"]> = {};
  // Rootless Podman may lack cpu controller delegation: shares would fail.
  if (!host.rootless && resources.cpuShares > 0) cpu.shares = resources.cpuShares;
  if (resources.cpusetCpus !== "") cpu.cpus = resources.cpusetCpus;
  const cfs = cpuLimits(resources.percentTicks, config, host.numCpus);
  if (cfs) Object.assign(cpu, cfs);
  if (Object.keys(cpu).length > 0) limits.cpu = cpu;

  if (config.pidsLimit > 0) limits.pids = { limit: config.pidsLimit };

  const spec: SpecGenerator = { oom_score_adj: config.oomScoreAdj };
  if (Object.keys(limits).length > 0) spec.resource_limits = limits;
  const rlimits = parseUlimits(config.ulimit);
  if (rlimits.length > 0) spec.r_limits = rlimits;
  if (Object.keys(config.sysctl).length > 0) spec.sysctl = { ...config.sysctl };
  // #248/#280: only systemd on cgroup v2 puts containers under nomad.slice.
  if (host.cgroupVersion === 2 && host.cgroupManager === "systemd") {
    spec.cgroup_parent = "nomad.slice";
  }
  return spec;
}
