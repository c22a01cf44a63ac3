/**
 * Exit results: what an exited container's inspect and the kernel's OOM
 * counters say (pure), and the recorder that notices an exit (one inspect)
 * and resolves the task's WaitTask with it.
 *
 * @module
 */
import type { ContainerInspect } from "../podman/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { errorMessage } from "../common/mod.ts";
import { classifyContainer, isAlive } from "./container_state.ts";
import {
  type ExitContext,
  memoryLimitOf,
  type OomEvidence,
  oomVerdict,
  SIGKILL_EXIT,
} from "./oom.ts";
import type { ExitPort, ExitWatch, OomPort, TaskEventSink } from "./ports.ts";
import type { TaskHandle } from "./task_handle.ts";
import type { TaskStore } from "./task_store.ts";
import type { ExitResult } from "./types.ts";

/** Exit result of an exited container, from inspect and the OOM evidence. */
export function exitResultFrom(inspect: ContainerInspect, ctx?: ExitContext): ExitResult {
  const code = inspect.state.exitCode;
  const signal = code > 128 && code < 128 + 65 ? code - 128 : 0;
  const verdict = oomVerdict(code, inspect.state.oomKilled, ctx);
  const result: ExitResult = { exitCode: code, signal, oomKilled: verdict.oomKilled };
  if (verdict.err) result.err = verdict.err;
  else if (inspect.state.error) result.err = inspect.state.error;
  return result;
}

/** The result of a task whose container was removed behind Nomad's back. */
export const REMOVED_OUTSIDE_NOMAD: ExitResult = {
  exitCode: 0,
  signal: 0,
  oomKilled: false,
  err: "Container was removed outside Nomad",
};

/** Dependencies of {@link ExitRecorder}. */
export interface ExitRecorderOptions<C extends ExitPort> {
  tasks: TaskStore<C>;
  exits: Pick<ExitWatch<C>, "unwatch">;
  oom: Pick<OomPort, "evidence" | "untrack">;
  logger: Logger;
  event: TaskEventSink;
}

/** Notices and records task exits. */
export class ExitRecorder<C extends ExitPort> {
  readonly #o: ExitRecorderOptions<C>;

  constructor(options: ExitRecorderOptions<C>) {
    this.#o = options;
  }

  /** Inspects a container that may have exited and records its exit (a no-op while alive). */
  async check(client: C, containerId: string): Promise<void> {
    const h = this.#o.tasks.byContainer(client, containerId);
    if (!h || h.exitResult) return;
    try {
      const inspect = await client.containers.inspect(containerId);
      // Paused counts as alive: WaitTask does not answer while the task is frozen.
      if (isAlive(classifyContainer(inspect.state))) return;
      await this.record(h, inspect);
    } catch (err) {
      if (err instanceof PodmanNotFoundError) {
        this.#o.oom.untrack(containerId);
        h.markExited(REMOVED_OUTSIDE_NOMAD);
        this.#o.exits.unwatch(client, containerId);
        return;
      }
      this.#o.logger.debug("cannot inspect a container after its exit", {
        container: containerId,
        error: errorMessage(err),
      });
    }
  }

  /** Records an exit with the kernel's OOM counters and, for an unexplained SIGKILL, the memory limit. */
  async record(h: TaskHandle<C>, inspect: ContainerInspect): Promise<void> {
    if (h.exitResult) return;
    // Set synchronously: concurrent exit checks share the one final read, which
    // waits for the sampling set-up StartTask left running.
    h.oomEvidence ??= (h.oomTracking ?? Promise.resolve()).then(() =>
      this.#o.oom.evidence(h.containerId)
    );
    const unexplained = inspect.state.exitCode === SIGKILL_EXIT && !h.killSent;
    if (unexplained && !inspect.state.oomKilled && h.memoryLimitBytes <= 0) {
      h.memoryLimitBytes = await memoryLimitOf(h.client.containers, h.containerId).catch(() => 0);
    }
    this.#finish(h, inspect, await h.oomEvidence);
  }

  #finish(h: TaskHandle<C>, inspect: ContainerInspect, oom: OomEvidence | undefined): void {
    const result = exitResultFrom(inspect, {
      killSent: h.killSent,
      memoryLimitBytes: h.memoryLimitBytes,
      oom,
    });
    h.markExited(result, inspect.state.finishedAt?.getTime() || Date.now());
    this.#o.exits.unwatch(h.client, h.containerId);
    this.#o.logger.info("task exited", {
      task_id: h.taskId,
      container: h.containerId.slice(0, 12),
      exit_code: result.exitCode,
      signal: result.signal,
      oom_killed: result.oomKilled,
    });
    if (result.oomKilled) {
      this.#o.event(h, "OOM Killed: the container exceeded its memory limit", {});
    }
  }
}
