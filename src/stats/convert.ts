/**
 * Conversion of a Podman stats sample (plus cgroup detail) into Nomad's
 * resource usage, with per-container CPU trackers.
 *
 * @module
 */
import type { StatsSample as PodmanSample } from "../podman/mod.ts";
import type { StatsSample } from "./types.ts";
import type { CgroupDetail } from "./cgroup.ts";
import { CpuTracker, ticksConsumed } from "./cpu_tracker.ts";

/** The CPU trackers of one container (total, user, system). */
export class ContainerCpu {
  readonly total = new CpuTracker();
  readonly user = new CpuTracker();
  readonly system = new CpuTracker();
}

/**
 * Builds Nomad's usage from one sample. `measured` lists exactly the fields
 * filled in: CPU percentages only once a previous reading exists, cgroup
 * fields only when read.
 */
export function toStatsSample(
  sample: PodmanSample,
  detail: CgroupDetail,
  cpu: ContainerCpu,
  mhzPerCore: number,
  timestampMs: number,
): StatsSample {
  // Podman's SystemNano is its sampling wall clock: the right base for deltas.
  const at = sample.systemNano > 0 ? sample.systemNano : timestampMs * 1e6;
  const primed = cpu.total.primed;
  const percent = cpu.total.percent(sample.cpuNano, at);
  const userMode = cpu.user.percent(sample.cpuUserNano, at);
  const systemMode = cpu.system.percent(sample.cpuSystemNano, at);
  const cpuMeasured: string[] = [];
  if (primed) {
    cpuMeasured.push("System Mode", "User Mode", "Percent");
    if (mhzPerCore > 0) cpuMeasured.push("Total Ticks");
  }
  if (detail.throttledPeriods !== undefined) cpuMeasured.push("Throttled Periods");
  if (detail.throttledTimeNs !== undefined) cpuMeasured.push("Throttled Time");

  const memMeasured: string[] = [];
  const pick = (v: number | undefined, name: string): number => {
    if (v === undefined) return 0;
    memMeasured.push(name);
    return v;
  };
  const memory = {
    rss: pick(detail.rss, "RSS"),
    cache: pick(detail.cache, "Cache"),
    swap: pick(detail.swap, "Swap"),
    // Podman's figure, so it agrees with `podman stats`.
    usage: pick(sample.memUsage > 0 ? sample.memUsage : detail.usage, "Usage"),
    maxUsage: pick(detail.maxUsage, "Max Usage"),
    measured: memMeasured,
  };
  return {
    timestampMs,
    cpu: {
      systemMode,
      userMode,
      totalTicks: mhzPerCore > 0 ? ticksConsumed(percent, mhzPerCore) : 0,
      throttledPeriods: detail.throttledPeriods ?? 0,
      throttledTime: detail.throttledTimeNs ?? 0,
      percent,
      measured: cpuMeasured,
    },
    memory,
  };
}

/** Whether a Podman sample is the all-zero one Podman gives for a stopped container. */
export function isEmptySample(s: PodmanSample): boolean {
  return s.cpuNano === 0 && s.memUsage === 0 && s.pids === 0;
}
