/**
 * CPU accounting as Nomad's `client/lib/cpustats` does it: a tracker turns a
 * cumulative CPU time into a percentage of one core over the time since the
 * previous reading, and ticks are that percentage of one core's MHz.
 *
 * @module
 */

/** Turns a cumulative CPU time (ns) into a percent of one core since the last reading. */
export class CpuTracker {
  #prevCpuNs = 0;
  #prevAtNs = 0;
  #primed = false;

  /**
   * Records `cpuNs` (cumulative CPU time) read at `atNs` (a clock in ns) and
   * returns the percent of one core used since the previous reading; 0 on the
   * first reading, when time did not advance, or when the counter went back.
   */
  percent(cpuNs: number, atNs: number): number {
    if (!this.#primed) {
      this.#primed = true;
      this.#prevCpuNs = cpuNs;
      this.#prevAtNs = atNs;
      return 0;
    }
    const timeDelta = atNs - this.#prevAtNs;
    const cpuDelta = cpuNs - this.#prevCpuNs;
    this.#prevCpuNs = cpuNs;
    this.#prevAtNs = atNs;
    if (timeDelta <= 0 || cpuDelta <= 0) return 0;
    return (cpuDelta / timeDelta) * 100;
  }

  /** Whether a first reading was taken (later percentages are real measurements). */
  get primed(): boolean {
    return this.#primed;
  }
}

/** MHz consumed by `percent` (100 = one core) on cores of `mhzPerCore` MHz. */
export function ticksConsumed(percent: number, mhzPerCore: number): number {
  return (percent / 100) * mhzPerCore;
}

/**
 * MHz of one core: the node's total compute divided by its cores; when the
 * agent did not say, the mean "cpu MHz" of `/proc/cpuinfo`.
 */
export function mhzPerCore(
  totalComputeMhz: number,
  cores: number,
  cpuinfo: () => string = readCpuinfo,
): number {
  const n = cores > 0 ? cores : 1;
  if (totalComputeMhz > 0) return totalComputeMhz / n;
  return cpuinfoMhz(cpuinfo());
}

/** Mean `cpu MHz` of a `/proc/cpuinfo` text; 0 when absent. */
export function cpuinfoMhz(text: string): number {
  const values = [...text.matchAll(/^cpu MHz\s*:\s*([0-9.]+)/gm)].map((m) => Number(m[1]))
    .filter((v) => Number.isFinite(v) && v > 0);
  if (values.length === 0) return 0;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function readCpuinfo(): string {
  try {
    return Deno.readTextFileSync("/proc/cpuinfo");
  } catch {
    return "";
  }
}
