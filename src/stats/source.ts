/**
 * One stats source per Podman client: a single poll loop makes ONE
 * multi-container `/containers/stats` request per interval for every
 * container someone subscribed to, adds cgroup detail read locally, and hands
 * each subscriber the samples of its container at its own interval.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { StatsSample as PodmanSample } from "../podman/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import type { StatsSample } from "./types.ts";
import { type CgroupDetail, type CgroupDirs, readCgroupDetail } from "./cgroup.ts";
import { ContainerCpu, isEmptySample, toStatsSample } from "./convert.ts";
import { errorMessage, sleep } from "../common/mod.ts";

/** What the source needs from Podman and the host. */
export interface StatsBackend {
  /** One batch of samples of the given containers (all running ones when empty). */
  fetch(containerIds: string[], signal: AbortSignal): Promise<PodmanSample[]>;
  /**
   * The cgroup directories on this host of the given containers (one Podman
   * call for all); a container left out or `undefined` has none known.
   */
  cgroupDirs(containerIds: string[]): Promise<Map<string, CgroupDirs | undefined>>;
  /** Reads the cgroup detail. */
  readDetail?(dirs: CgroupDirs): Promise<CgroupDetail>;
}

/** Options of {@link StatsSource}. */
export interface StatsSourceOptions {
  backend: StatsBackend;
  logger: Logger;
  /** Smallest poll period, ms. @default 500 */
  minPeriodMs?: number;
}

/** Default poll period floor. */
const MIN_PERIOD_MS = 500;

class Subscription {
  readonly containerId: string;
  readonly intervalMs: number;
  lastMs = 0;
  #latest: StatsSample | undefined;
  #wake: (() => void) | undefined;

  constructor(containerId: string, intervalMs: number) {
    this.containerId = containerId;
    this.intervalMs = intervalMs;
  }

  /** Keeps only the newest sample: a slow reader skips, it never queues up. */
  offer(s: StatsSample, nowMs: number): void {
    this.lastMs = nowMs;
    this.#latest = s;
    this.#wake?.();
  }

  /** The next sample, or `undefined` once `signal` aborts. */
  async next(signal: AbortSignal): Promise<StatsSample | undefined> {
    while (!this.#latest) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = () => {
          signal.removeEventListener("abort", done);
          this.#wake = undefined;
          resolve();
        };
        this.#wake = done;
        signal.addEventListener("abort", done, { once: true });
      });
    }
    const s = this.#latest;
    this.#latest = undefined;
    return signal.aborted ? undefined : s;
  }
}

interface ContainerState {
  cpu: ContainerCpu;
  /** `null` = looked up, not available. */
  dirs: CgroupDirs | null | undefined;
}

/** The shared poller of one Podman client. */
export class StatsSource {
  readonly #backend: StatsBackend;
  readonly #logger: Logger;
  readonly #minPeriodMs: number;
  readonly #subs = new Set<Subscription>();
  readonly #containers = new Map<string, ContainerState>();
  #running = false;
  #failures = 0;
  #stop = new AbortController();
  /** MHz of one core, for Total Ticks (0 = unknown, not reported). */
  mhzPerCore = 0;

  constructor(options: StatsSourceOptions) {
    this.#backend = options.backend;
    this.#logger = options.logger;
    this.#minPeriodMs = options.minPeriodMs ?? MIN_PERIOD_MS;
  }

  /** Number of live subscriptions. */
  get subscribers(): number {
    return this.#subs.size;
  }

  /**
   * Samples of one container, about every `intervalMs`, until `signal` aborts.
   * The stream never fails: missed polls just skip a sample.
   */
  async *subscribe(
    containerId: string,
    intervalMs: number,
    signal: AbortSignal,
  ): AsyncGenerator<StatsSample, void, undefined> {
    const sub = new Subscription(containerId, Math.max(intervalMs, 1));
    this.#subs.add(sub);
    if (!this.#containers.has(containerId)) {
      this.#containers.set(containerId, { cpu: new ContainerCpu(), dirs: undefined });
    }
    this.#ensureRunning();
    try {
      while (true) {
        const s = await sub.next(signal);
        if (!s) return;
        yield s;
      }
    } finally {
      this.#subs.delete(sub);
      if (![...this.#subs].some((x) => x.containerId === containerId)) {
        this.#containers.delete(containerId);
      }
      if (this.#subs.size === 0) this.#stop.abort();
    }
  }

  #periodMs(): number {
    let p = Infinity;
    for (const s of this.#subs) p = Math.min(p, s.intervalMs);
    return Math.max(this.#minPeriodMs, Number.isFinite(p) ? p : this.#minPeriodMs);
  }

  #ensureRunning(): void {
    if (this.#running) return;
    this.#running = true;
    // Start on the next turn so subscribers arriving together share the first poll.
    void new Promise((r) => setTimeout(r, 0)).then(() => this.#loop()).finally(() => {
      this.#running = false;
      // A subscriber may have arrived while the loop was finishing.
      if (this.#subs.size > 0) this.#ensureRunning();
    });
  }

  async #loop(): Promise<void> {
    while (this.#subs.size > 0) {
      const period = this.#periodMs();
      const started = Date.now();
      try {
        await this.#poll();
        if (this.#failures > 0) {
          this.#logger.info("stats polling recovered", { failures: this.#failures });
        }
        this.#failures = 0;
      } catch (err) {
        if (this.#failures++ === 0) {
          this.#logger.warn("cannot poll container stats", {
            error: errorMessage(err),
          });
        }
      }
      const wait = period - (Date.now() - started);
      if (wait > 0 && this.#subs.size > 0) {
        this.#stop = new AbortController();
        await sleep(wait, this.#stop.signal);
      }
    }
  }

  /**
   * Finds the cgroups of new containers, once each: one backend call for all
   * of them (100 tasks subscribing together cost one Podman request and one
   * host read batch). A failed lookup is retried on the next poll.
   */
  async #discover(ids: string[]): Promise<void> {
    const pending = ids.filter((id) => this.#containers.get(id)?.dirs === undefined);
    if (pending.length === 0) return;
    const found = await this.#backend.cgroupDirs(pending).catch(() => undefined);
    if (!found) return;
    for (const id of pending) {
      const st = this.#containers.get(id);
      if (st && st.dirs === undefined) st.dirs = found.get(id) ?? null;
    }
  }

  async #poll(): Promise<void> {
    const ids = [...new Set([...this.#subs].map((s) => s.containerId))];
    if (ids.length === 0) return;
    await this.#discover(ids);
    const signal = AbortSignal.timeout(Math.max(30_000, this.#periodMs() * 5));
    let samples: PodmanSample[];
    try {
      samples = await this.#backend.fetch(ids, signal);
    } catch (err) {
      // One listed container is gone: ask for all running ones and filter.
      if (!(err instanceof PodmanNotFoundError)) throw err;
      samples = await this.#backend.fetch([], signal);
    }
    const now = Date.now();
    const period = this.#periodMs();
    const byId = new Map<string, PodmanSample>();
    for (const s of samples) byId.set(s.containerId, s);
    const readDetail = this.#backend.readDetail ?? readCgroupDetail;
    // Every container's cgroup files in one go (one host read batch per poll).
    const rows = await Promise.all(ids.map(async (id) => {
      const raw = byId.get(id) ??
        samples.find((s) => id.startsWith(s.containerId) || s.containerId.startsWith(id));
      const st = this.#containers.get(id);
      if (!raw || !st || isEmptySample(raw)) return undefined;
      const detail = st.dirs ? await readDetail(st.dirs).catch(() => ({})) : {};
      return { id, raw, st, detail };
    }));
    for (const row of rows) {
      if (!row) continue;
      const { id, raw, st, detail } = row;
      const sample = toStatsSample(raw, detail, st.cpu, this.mhzPerCore, now);
      for (const sub of this.#subs) {
        if (sub.containerId !== id) continue;
        if (now - sub.lastMs >= sub.intervalMs - period / 2) sub.offer(sample, now);
      }
    }
  }
}
