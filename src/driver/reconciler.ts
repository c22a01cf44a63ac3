/**
 * The dangling-container reconciler: containers this plugin created (they
 * carry {@link OWNER_LABELS.managed}) that no task owns are stopped and
 * removed, as Nomad's docker driver does (`reconcile_dangling.go`).
 *
 * A background concern fed closures, not the driver: it sees the configured
 * sockets, the tracked container IDs and an "in flight" predicate for tasks
 * whose StartTask/RecoverTask has not finished.
 *
 * Safety rules:
 * - containers without our label are never touched (the list is filtered by
 *   it and every entry is checked again);
 * - a container younger than `creation_grace` (by its own created time) is
 *   left alone, as is one whose task is starting or recovering;
 * - the first pass runs one full `max(period, creation_grace)` after start,
 *   so RecoverTask calls after a plugin restart adopt their containers first;
 * - exited containers are only removed when `gc.container` is on (with it
 *   off, DestroyTask keeps them on purpose).
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { ContainerListEntry } from "../podman/mod.ts";
import { OWNER_LABELS } from "./spec/env_labels.ts";
import { errorMessage } from "../common/mod.ts";

/** Timer functions, injectable for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The process clock; timers do not keep the process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const id = setTimeout(fn, ms);
    try {
      Deno.unrefTimer(id);
    } catch {
      // not available: the timer stays referenced
    }
    return id;
  },
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** The `dangling_containers` block. */
export interface DanglingConfig {
  enabled: boolean;
  periodMs: number;
  creationGraceMs: number;
}

/** The container calls the reconciler needs (a `PodmanClient`'s `containers` satisfies it). */
export interface ReconcilerContainers {
  list(
    options?: { all?: boolean; filters?: Record<string, string[]>; signal?: AbortSignal },
  ): Promise<ContainerListEntry[]>;
  stop(id: string, timeoutSec: number, options?: { signal?: AbortSignal }): Promise<void>;
  remove(
    id: string,
    options?: { force?: boolean; volumes?: boolean; signal?: AbortSignal },
  ): Promise<boolean>;
}

/** One Podman endpoint to reconcile. */
export interface ReconcilerSocket {
  name: string;
  containers: ReconcilerContainers;
}

/** Dependencies of {@link DanglingReconciler}. */
export interface DanglingReconcilerOptions {
  /** Read at every pass, so SetConfig changes apply without a restart. */
  config: () => DanglingConfig;
  /** `gc.container`: whether exited containers may be removed too. */
  removeExited: () => boolean;
  /** The sockets to scan (deduplicated by the caller or not: removal is idempotent). */
  sockets: () => ReconcilerSocket[];
  /** Container IDs of the tasks this plugin knows. */
  trackedContainers: () => Set<string>;
  /** Whether StartTask/RecoverTask of this Nomad task ID is in progress. */
  taskInFlight: (taskId: string) => boolean;
  logger: Logger;
  clock?: Clock;
  /** Deadline of each Podman call. @default 30000 */
  callTimeoutMs?: number;
  /** Seconds `stop` waits before SIGKILL. @default 5 */
  stopTimeoutSec?: number;
}

/** Outcome of one pass. */
export interface ReconcileReport {
  /** `socket/containerId` of each removed container. */
  removed: string[];
  /** `socket/containerId` of each container whose removal failed. */
  failed: string[];
  /** Names of sockets whose list failed. */
  unreachable: string[];
}

/** Filters of {@link danglingContainers}. */
export interface DanglingFilter {
  tracked: Set<string>;
  taskInFlight: (taskId: string) => boolean;
  nowMs: number;
  creationGraceMs: number;
  removeExited: boolean;
}

/** States of a container that never ran (a failed or interrupted StartTask). */
const NEVER_RAN = new Set(["created", "configured", "initialized"]);

/**
 * The entries that are ours, owned by no task, and older than the grace.
 * Pure: the decision table of the reconciler.
 */
export function danglingContainers(
  entries: readonly ContainerListEntry[],
  f: DanglingFilter,
): ContainerListEntry[] {
  return entries.filter((c) => {
    if (c.labels[OWNER_LABELS.managed] !== "true") return false;
    if (c.id === "" || f.tracked.has(c.id)) return false;
    const taskId = c.labels[OWNER_LABELS.taskId] ?? "";
    if (taskId !== "" && f.taskInFlight(taskId)) return false;
    const created = c.created?.getTime();
    if (created === undefined || !Number.isFinite(created)) return false;
    if (f.nowMs - created < f.creationGraceMs) return false;
    const exited = c.exited || c.state === "exited" || c.state === "stopped";
    if (exited && !NEVER_RAN.has(c.state) && !f.removeExited) return false;
    return true;
  });
}

/** Periodically removes containers this plugin created that no task owns. */
export class DanglingReconciler {
  readonly #o: DanglingReconcilerOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #timer: unknown;
  #running: Promise<ReconcileReport> | undefined;
  #abort = new AbortController();
  #started = false;
  #stopped = false;
  #lastFailed = false;

  constructor(options: DanglingReconcilerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger;
  }

  /** Schedules the first pass one full `max(period, creation_grace)` from now (idempotent). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    const c = this.#o.config();
    if (!c.enabled) this.#logger.debug("dangling container reconciler is disabled");
    this.#schedule(Math.max(c.periodMs, c.creationGraceMs));
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => void this.#tick(), Math.max(ms, 100));
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#o.config().enabled) {
      try {
        await this.runOnce();
      } catch (err) {
        this.#logger.warn("dangling container pass failed", { error: errorMessage(err) });
      }
    }
    this.#schedule(this.#o.config().periodMs);
  }

  /** One pass over every socket (also used by tests). Never runs twice at once. */
  runOnce(): Promise<ReconcileReport> {
    if (this.#running) return this.#running;
    const p = this.#pass().finally(() => {
      this.#running = undefined;
    });
    this.#running = p;
    return p;
  }

  async #pass(): Promise<ReconcileReport> {
    const report: ReconcileReport = { removed: [], failed: [], unreachable: [] };
    const cfg = this.#o.config();
    const timeout = this.#o.callTimeoutMs ?? 30_000;
    const seen = new Set<string>();
    let listFailed = false;
    for (const socket of this.#o.sockets()) {
      if (this.#stopped) break;
      let entries: ContainerListEntry[];
      try {
        entries = await socket.containers.list({
          all: true,
          filters: { label: [`${OWNER_LABELS.managed}=true`] },
          signal: this.#signal(timeout),
        });
      } catch (err) {
        listFailed = true;
        report.unreachable.push(socket.name);
        // Warn once per outage, not every period.
        if (!this.#lastFailed) {
          this.#logger.warn("cannot list containers for the dangling container check", {
            socket: socket.name,
            error: errorMessage(err),
          });
        }
        continue;
      }
      // Tracked after the list: a task that finished starting meanwhile counts.
      const candidates = danglingContainers(entries, {
        tracked: this.#o.trackedContainers(),
        taskInFlight: this.#o.taskInFlight,
        nowMs: this.#clock.now(),
        creationGraceMs: cfg.creationGraceMs,
        removeExited: this.#o.removeExited(),
      });
      for (const c of candidates) {
        if (this.#stopped || seen.has(c.id)) continue;
        seen.add(c.id);
        await this.#remove(socket, c, report);
      }
    }
    this.#lastFailed = listFailed;
    return report;
  }

  async #remove(
    socket: ReconcilerSocket,
    c: ContainerListEntry,
    report: ReconcileReport,
  ): Promise<void> {
    // Check again right before acting: the task may have been adopted meanwhile.
    const taskId = c.labels[OWNER_LABELS.taskId] ?? "";
    if (this.#o.trackedContainers().has(c.id) || (taskId !== "" && this.#o.taskInFlight(taskId))) {
      return;
    }
    const timeout = this.#o.callTimeoutMs ?? 30_000;
    const stopSec = this.#o.stopTimeoutSec ?? 5;
    const key = `${socket.name}/${c.id}`;
    const fields = {
      socket: socket.name,
      container: c.id.slice(0, 12),
      name: c.names[0] ?? "",
      state: c.state,
      task_id: taskId,
      alloc_id: c.labels[OWNER_LABELS.allocId] ?? "",
      created: c.created?.toISOString() ?? "",
    };
    try {
      if (c.state === "running" || c.state === "paused") {
        await socket.containers.stop(c.id, stopSec, {
          signal: this.#signal(timeout + stopSec * 1000),
        })
          .catch((err) =>
            this.#logger.debug("cannot stop a dangling container; removing it by force", {
              ...fields,
              error: errorMessage(err),
            })
          );
      }
      await socket.containers.remove(c.id, {
        force: true,
        volumes: true,
        signal: this.#signal(timeout),
      });
      report.removed.push(key);
      this.#logger.info("removed a dangling container no task owns", fields);
    } catch (err) {
      report.failed.push(key);
      this.#logger.warn("cannot remove a dangling container", {
        ...fields,
        error: errorMessage(err),
      });
    }
  }

  #signal(ms: number): AbortSignal {
    return AbortSignal.any([this.#abort.signal, AbortSignal.timeout(ms)]);
  }

  /** Cancels the timer and any pass in progress, and waits for it to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#abort.abort(new Error("dangling container reconciler stopped"));
    await this.#running?.catch(() => {});
  }
}
