/**
 * Was a task OOM-killed? Decided from the kernel's own counters, never from
 * "exit 137 + a memory limit" alone (anyone may SIGKILL a container).
 *
 * Sources, most reliable first:
 * 1. Podman's `State.OOMKilled`: set by conmon where it watches the cgroup
 *    (cgroup v2). On cgroup v1 (Podman 4.3 + conmon 2.1) it stays false, so
 *    there a `false` proves nothing.
 * 2. The container cgroup's OOM-kill count (v2 `memory.events` `oom_kill`,
 *    v1 `memory.oom_control` `oom_kill`), sampled while the task runs and once
 *    more when the exit is noticed, if the cgroup still exists (on v1 runc
 *    removes it ~50 ms after the death, before Podman's `died` event).
 * 3. The host-wide `oom_kill` counter of `/proc/vmstat`, read in the same
 *    batch just before the container's file: if it did not move between the
 *    last sample that saw the container alive with 0 kills and the exit, the
 *    kernel killed nobody, so a 137 exit was an outside SIGKILL. If it moved,
 *    an OOM kill of this container is assumed only for a SIGKILL the driver
 *    did not send, under a memory limit, where Podman's flag is unreliable.
 *
 * Files under /proc and /sys are read through the stats code's batched
 * `grep` reader (Deno grants them only with --allow-all): all tracked
 * containers share one process per sample, and the periodic sample rides
 * along with the reader's other batches (the stats poll's) when one comes
 * at least half a period after the last sample; its own timer samples only
 * when no batch came for a little over a period. With stats streaming, OOM
 * sampling therefore spawns nothing of its own.
 *
 * @module
 */
import { type CgroupDirs, cgroupDirsOfPid } from "../stats/mod.ts";
import { type BatchRides, hostReader, type ReadFile } from "../stats/mod.ts";

/** 128 + SIGKILL: the exit code of a SIGKILLed process. */
export const SIGKILL_EXIT = 128 + 9;
/** Sample period while tasks run. */
const SAMPLE_MS = 1000;
/** The own timer samples when no ride came for this many periods. */
const OWN_SAMPLE_AFTER = 1.1;
/** The own timer looks this many times a period. */
const TICKS_PER_PERIOD = 5;
const VMSTAT = "/proc/vmstat";

/** What is known about OOM kills of one container when it exited. */
export interface OomEvidence {
  /** Podman's `State.OOMKilled` can be trusted both ways (cgroup v2). */
  podmanReliable: boolean;
  /** OOM kills counted by the container's cgroup, `undefined` when never read. */
  cgroupKills: number | undefined;
  /**
   * The host's OOM-kill counter rose between the last sample that saw this
   * container alive without kills and its exit; `undefined` when unknown.
   */
  hostKillsRose: boolean | undefined;
}

/** What the driver knows about a container's death beyond Podman's inspect. */
export interface ExitContext {
  /** The driver itself sent SIGKILL (StopTask escalation, DestroyTask, SignalTask). */
  killSent: boolean;
  /** The container's memory limit in bytes (0: none). */
  memoryLimitBytes: number;
  /** The kernel's counters; `undefined`: none read (remote Podman, not sampled). */
  oom?: OomEvidence | undefined;
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MiB`;
}

/** The OOM verdict and its explanation; `undefined` err when not an OOM kill. */
export function oomVerdict(
  exitCode: number,
  podmanOomKilled: boolean,
  ctx: ExitContext | undefined,
): { oomKilled: boolean; err?: string } {
  if (podmanOomKilled) return { oomKilled: true, err: "Podman container killed by OOM killer" };
  const e = ctx?.oom;
  if (!ctx || !e) return { oomKilled: false };
  const limit = ctx.memoryLimitBytes > 0 ? `, memory limit ${mib(ctx.memoryLimitBytes)}` : "";
  if ((e.cgroupKills ?? 0) > 0) {
    return {
      oomKilled: true,
      err:
        `Podman container killed by OOM killer: the container's cgroup counted ${e.cgroupKills} OOM kill(s)${limit}`,
    };
  }
  if (e.podmanReliable) return { oomKilled: false };
  if (
    exitCode === SIGKILL_EXIT && !ctx.killSent && ctx.memoryLimitBytes > 0 &&
    e.hostKillsRose === true
  ) {
    return {
      oomKilled: true,
      err:
        `Podman container killed by OOM killer: the kernel counted an OOM kill as it died${limit}`,
    };
  }
  return { oomKilled: false };
}

/** `oom_kill N` of a v1 `memory.oom_control`, v2 `memory.events` or `/proc/vmstat`. */
export function parseOomKills(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^oom_kill\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** The file holding a cgroup's OOM-kill count. */
export function oomFile(dirs: CgroupDirs): string | undefined {
  if (!dirs.memory) return undefined;
  return `${dirs.memory}/${dirs.version === 1 ? "memory.oom_control" : "memory.events"}`;
}

interface Tracked {
  file: string | undefined;
  podmanReliable: boolean;
  kills: number | undefined;
  /** Host counter read just before a read of the container's file that found 0 kills. */
  baseline: number | undefined;
  /** The newest read of the container's file succeeded. */
  lastReadOk: boolean;
}

/** Options of {@link OomMonitor}. */
export interface OomMonitorOptions {
  /** Reads host files; with it and no `rides`, only the own timer samples. */
  read?: ReadFile;
  /** Batches to ride along with; the default reader's when `read` is not given. */
  rides?: BatchRides;
  /** Finds a process's cgroup directories. */
  cgroupDirsOfPid?: (pid: number) => Promise<CgroupDirs | undefined>;
  sampleMs?: number;
}

/** Samples the OOM counters of every tracked container, one batch per period. */
export class OomMonitor {
  readonly #read: ReadFile;
  readonly #dirsOf: (pid: number) => Promise<CgroupDirs | undefined>;
  readonly #sampleMs: number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #rides: BatchRides | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopRiding: (() => void) | undefined;
  /** When the last periodic sample was asked for (performance.now()). */
  #lastSampleMs = -Infinity;

  constructor(options: OomMonitorOptions = {}) {
    this.#read = options.read ?? hostReader.read;
    this.#rides = options.rides ?? (options.read ? undefined : hostReader);
    this.#dirsOf = options.cgroupDirsOfPid ?? ((pid) => cgroupDirsOfPid(pid, this.#read));
    this.#sampleMs = options.sampleMs ?? SAMPLE_MS;
  }

  /**
   * Starts sampling a running container (local Podman only). Its cgroup is
   * found from its pid and must name the container. A primed container
   * untracked meanwhile (destroyed, or its exit recorded) stays untracked.
   */
  async track(containerId: string, pid: number, podmanReliable: boolean): Promise<void> {
    const primed = this.#tracked.get(containerId);
    const dirs = await this.#dirsOf(pid).catch(() => undefined);
    if (primed && this.#tracked.get(containerId) !== primed) return;
    const file = dirs && dirs.memory?.includes(containerId) ? oomFile(dirs) : undefined;
    const t = primed ?? this.#fresh(podmanReliable);
    t.file = file;
    this.#tracked.set(containerId, t);
    await this.#sample([t]);
    this.#startSampling();
  }

  #startSampling(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      if (performance.now() - this.#lastSampleMs >= this.#sampleMs * OWN_SAMPLE_AFTER) {
        this.#sampleAll();
      }
    }, this.#sampleMs / TICKS_PER_PERIOD);
    this.#stopRiding = this.#rides?.ride(() => {
      if (performance.now() - this.#lastSampleMs >= this.#sampleMs / 2) this.#sampleAll();
    });
  }

  #stopSampling(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#stopRiding?.();
    this.#stopRiding = undefined;
  }

  /** The periodic sample of every tracked container (its reads are issued at once). */
  #sampleAll(): void {
    this.#lastSampleMs = performance.now();
    void this.#sample([...this.#tracked.values()]);
  }

  /**
   * Reads the host counter before a container starts: a task that dies before
   * its cgroup was ever read (a hog killed at once) is still judged by whether
   * the kernel counted an OOM kill since then. {@link track} keeps this baseline.
   */
  async prime(
    containerId: string,
    podmanReliable: boolean,
    baseline: Promise<number | undefined> = this.hostKills(),
  ): Promise<void> {
    const t = this.#fresh(podmanReliable);
    this.#tracked.set(containerId, t);
    t.baseline = await baseline;
  }

  /** The host's OOM-kill count now (a {@link prime} baseline read ahead, e.g. during the create). */
  hostKills(): Promise<number | undefined> {
    return this.#read(VMSTAT).then(parseOomKills, () => undefined);
  }

  #fresh(podmanReliable: boolean): Tracked {
    return {
      file: undefined,
      podmanReliable,
      kills: undefined,
      baseline: undefined,
      lastReadOk: false,
    };
  }

  /** Whether a container is tracked. */
  has(containerId: string): boolean {
    return this.#tracked.has(containerId);
  }

  /** One last read at the exit, then the evidence; stops tracking the container. */
  async evidence(containerId: string): Promise<OomEvidence | undefined> {
    const t = this.#tracked.get(containerId);
    if (!t) return undefined;
    const before = t.baseline;
    const host = await this.#sample([t], { keepBaseline: true });
    this.untrack(containerId);
    // The cgroup still there at the exit, without kills: that is the answer.
    const rose = t.lastReadOk
      ? false
      : before === undefined || host === undefined
      ? undefined
      : host > before;
    return { podmanReliable: t.podmanReliable, cgroupKills: t.kills, hostKillsRose: rose };
  }

  /** Stops tracking a container. */
  untrack(containerId: string): void {
    this.#tracked.delete(containerId);
    if (this.#tracked.size === 0) this.#stopSampling();
  }

  /** Stops sampling. */
  stop(): void {
    this.#tracked.clear();
    this.#stopSampling();
  }

  /** Reads the host counter, then the containers' files, in one batch; returns the host count. */
  async #sample(
    list: Tracked[],
    opts: { keepBaseline?: boolean } = {},
  ): Promise<number | undefined> {
    if (list.length === 0) return undefined;
    // The host file first: the batched reader keeps request order, so the
    // host count is read before the containers' counts.
    const hostP = this.#read(VMSTAT);
    const files = list.map((t) => (t.file ? this.#read(t.file) : Promise.resolve(undefined)));
    const [hostText, ...texts] = await Promise.all([hostP, ...files]);
    const host = parseOomKills(hostText);
    list.forEach((t, i) => {
      const kills = parseOomKills(texts[i]);
      t.lastReadOk = kills !== undefined;
      if (kills === undefined) return;
      t.kills = Math.max(kills, t.kills ?? 0);
      if (kills === 0 && host !== undefined && !opts.keepBaseline) t.baseline = host;
    });
    return host;
  }
}

/** A container's memory limit in bytes (`HostConfig.Memory`; 0: none). */
export async function memoryLimitOf(
  containers: { inspectRaw(id: string): Promise<Record<string, unknown>> },
  id: string,
): Promise<number> {
  const hc = (await containers.inspectRaw(id)).HostConfig as Record<string, unknown> | undefined;
  return typeof hc?.Memory === "number" && hc.Memory > 0 ? hc.Memory : 0;
}
