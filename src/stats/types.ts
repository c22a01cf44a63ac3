/**
 * The stats layer's own types.
 *
 * @module
 */

/** One resource usage sample for TaskStats. */
export interface StatsSample {
  timestampMs: number;
  cpu: {
    systemMode: number;
    userMode: number;
    totalTicks: number;
    throttledPeriods: number;
    throttledTime: number;
    percent: number;
    measured: string[];
  };
  memory: {
    rss: number;
    cache: number;
    swap: number;
    usage: number;
    maxUsage: number;
    measured: string[];
  };
}
