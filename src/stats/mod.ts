/**
 * TaskStats: one shared {@link StatsSource} per Podman client, and the
 * per-task stream that ends when the task exits or the caller cancels.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { PodmanClient } from "../podman/mod.ts";
import { isLocalSocket } from "../podman/mod.ts";
import type { StatsSample } from "./types.ts";
import { type CgroupDirs, cgroupDirsOfPid } from "./cgroup.ts";
import { mhzPerCore } from "./cpu_tracker.ts";
import { type StatsBackend, StatsSource } from "./source.ts";
import type { StatsSample as PodmanSample } from "../podman/mod.ts";
import { isStatsUnsupported, procSample } from "./proc_fallback.ts";
import { hostReader } from "./host_files.ts";

export { StatsSource } from "./source.ts";
export type { StatsBackend, StatsSourceOptions } from "./source.ts";
export { cpuinfoMhz, CpuTracker, mhzPerCore, ticksConsumed } from "./cpu_tracker.ts";
export type { StatsSample } from "./types.ts";
export { ContainerCpu, toStatsSample } from "./convert.ts";
export * from "./cgroup.ts";

/** The backend of a real Podman client. */
export function podmanStatsBackend(client: PodmanClient): StatsBackend {
  // On the Podman host the containers' cgroups are readable.
  const local = isLocalSocket(client.socketPath);
  // Set once Podman said it has no cgroup stats (rootless on cgroups v1).
  let unsupported = false;
  const fromProcesses = async (containers: string[], signal: AbortSignal) => {
    const out: PodmanSample[] = [];
    for (const id of containers) {
      const s = await procSample(client, id, hostReader.read, signal).catch(() => undefined);
      if (s) out.push(s);
    }
    return out;
  };
  return {
    fetch: async (containers, signal) => {
      if (unsupported && local && containers.length > 0) return fromProcesses(containers, signal);
      try {
        return await client.stats({ containers, signal });
      } catch (err) {
        if (!local || containers.length === 0 || !isStatsUnsupported(err)) throw err;
        unsupported = true;
        return fromProcesses(containers, signal);
      }
    },
    cgroupDirs: async (ids) => {
      const out = new Map<string, CgroupDirs | undefined>();
      if (!local || ids.length === 0) return out;
      const listed = await client.containers.list({ filters: { id: ids } });
      // Every pid's /proc reads are asked for at once: one host read batch.
      await Promise.all(ids.map(async (id) => {
        const c = listed.find((e) => e.id === id || e.id.startsWith(id));
        if (!c || !(c.pid > 0)) return;
        const dirs = await cgroupDirsOfPid(c.pid);
        // A path that does not name the container is not its cgroup (another host, split cgroups).
        if (dirs && [dirs.memory, dirs.cpu].some((d) => d?.includes(c.id))) out.set(id, dirs);
      }));
      return out;
    },
  };
}

const sources = new WeakMap<PodmanClient, StatsSource>();

/** The shared stats source of a client (created on first use). */
export function statsSourceFor(client: PodmanClient, logger: Logger): StatsSource {
  let s = sources.get(client);
  if (!s) {
    s = new StatsSource({ backend: podmanStatsBackend(client), logger: logger.named("stats") });
    sources.set(client, s);
  }
  return s;
}

/** What {@link taskStats} needs of a task. */
export interface StatsTask {
  containerId: string;
  /** Set once the task exited. */
  exitResult: unknown;
  /** Aborted when the task is destroyed. */
  lifetime: AbortController;
  /** Resolves when the task exits. */
  wait(signal?: AbortSignal): Promise<unknown>;
}

/**
 * The TaskStats stream of one task: samples about every `intervalMs` until
 * the task exits, is destroyed, or `signal` aborts; then it ends cleanly.
 */
export async function* taskStats(options: {
  source: StatsSource;
  task: StatsTask;
  intervalMs: number;
  signal: AbortSignal;
  /** The node's total compute (0 = unknown: read /proc/cpuinfo). */
  totalComputeMhz: number;
}): AsyncGenerator<StatsSample, void, undefined> {
  const { source, task, signal } = options;
  if (task.exitResult || signal.aborted || task.lifetime.signal.aborted) return;
  source.mhzPerCore = mhzPerCore(options.totalComputeMhz, navigator.hardwareConcurrency || 1);
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  signal.addEventListener("abort", stop, { once: true });
  task.lifetime.signal.addEventListener("abort", stop, { once: true });
  task.wait(ctl.signal).then(stop, () => {});
  try {
    yield* source.subscribe(task.containerId, options.intervalMs, ctl.signal);
  } finally {
    stop();
    signal.removeEventListener("abort", stop);
    task.lifetime.signal.removeEventListener("abort", stop);
  }
}
export { type CgroupDirs, cgroupDirsOfPid } from "./cgroup.ts";
export { type BatchRides, hostReader, type ReadFile } from "./host_files.ts";
