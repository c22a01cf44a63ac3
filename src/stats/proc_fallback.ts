/**
 * Stats where Podman has none: rootless Podman on cgroups v1 answers the
 * stats endpoints with 409 "container stats resource only available for
 * cgroup v2" (there is no per-container cgroup). Then a sample is summed
 * from the container's processes: their host PIDs from Podman's `top`
 * (`hpid`), CPU time and RSS from `/proc/<pid>/stat` (read through the host
 * reader, i.e. one `grep` per batch).
 *
 * @module
 */
import type { StatsSample as PodmanSample } from "../podman/mod.ts";
import { PodmanApiError } from "../podman/mod.ts";
import type { ReadFile } from "./host_files.ts";

/** Linux's USER_HZ and page size on every platform the driver targets. */
const TICK_NS = 10_000_000;
const PAGE = 4096;

/** Whether a stats error means "no cgroup stats here" (rootless on cgroups v1). */
export function isStatsUnsupported(err: unknown): boolean {
  return err instanceof PodmanApiError &&
    (err.status === 409 || /only available for cgroup v2/i.test(err.message));
}

/** CPU ticks (user, system) and RSS bytes of one `/proc/<pid>/stat` line. */
export function parseProcStat(text: string): { user: number; system: number; rss: number } {
  // The comm field (2) may contain spaces and ')': fields start after the last ')'.
  const rest = text.slice(text.lastIndexOf(")") + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state): utime is field 14, stime 15, rss 24.
  const f = (n: number) => Number(rest[n - 3] ?? 0) || 0;
  return { user: f(14), system: f(15), rss: f(24) * PAGE };
}

/** What the fallback needs from Podman. */
export interface TopSource {
  top(id: string, descriptors: readonly string[], options?: { signal?: AbortSignal }): Promise<{
    titles: string[];
    processes: string[][];
  }>;
}

/** One sample of a container from its processes; `undefined` when it has none. */
export async function procSample(
  podman: TopSource,
  containerId: string,
  read: ReadFile,
  signal?: AbortSignal,
): Promise<PodmanSample | undefined> {
  const top = await podman.top(containerId, ["hpid"], { signal });
  const pids = top.processes.map((r) => r[0] ?? "").filter((p) => /^\d+$/.test(p));
  if (pids.length === 0) return undefined;
  const stats = await Promise.all(pids.map((p) => read(`/proc/${p}/stat`)));
  let user = 0;
  let system = 0;
  let rss = 0;
  for (const text of stats) {
    if (text === undefined) continue;
    const s = parseProcStat(text);
    user += s.user;
    system += s.system;
    rss += s.rss;
  }
  return {
    containerId,
    name: "",
    cpuNano: (user + system) * TICK_NS,
    cpuSystemNano: system * TICK_NS,
    cpuUserNano: user * TICK_NS,
    systemNano: Date.now() * 1e6,
    cpuPercent: 0,
    memUsage: rss,
    memLimit: 0,
    pids: pids.length,
    netInput: 0,
    netOutput: 0,
    blockInput: 0,
    blockOutput: 0,
  };
}
