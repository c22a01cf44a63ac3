/**
 * StopTask, SignalTask and DestroyTask: the signal (a paused container is
 * thawed first so that it gets it), SIGKILL after the timeout, and removal.
 *
 * @module
 */
import { PodmanConflictError, PodmanNotFoundError } from "../podman/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { classifyContainer, signalPreparation } from "./container_state.ts";
import { InvalidRequestError } from "./errors.ts";
import type { StopPort } from "./ports.ts";
import { signalName, signalNumber } from "./signals.ts";
import type { TaskHandle } from "./task_handle.ts";

/** How long StopTask/DestroyTask wait for the exit after SIGKILL. */
export const KILL_GRACE_MS = 10_000;

/** Dependencies of {@link TaskStopper}. */
export interface TaskStopperOptions<C> {
  /** Inspects a container that may have exited and records its exit. */
  checkExit: (client: C, containerId: string) => Promise<void>;
  /** `gc { container = true }`: DestroyTask removes the container. */
  removeContainers: () => boolean;
  /** Forgets a destroyed task everywhere (task list, exit watch, OOM sampling, image GC). */
  forget: (h: TaskHandle<C>) => void;
  logger: Logger;
  killGraceMs?: number;
}

/** Stops, signals and destroys tasks. */
export class TaskStopper<C extends StopPort> {
  readonly #o: TaskStopperOptions<C>;
  readonly #graceMs: number;

  constructor(options: TaskStopperOptions<C>) {
    this.#o = options;
    this.#graceMs = options.killGraceMs ?? KILL_GRACE_MS;
  }

  /** StopTask: the requested signal (default SIGTERM), then SIGKILL after `timeoutMs`. */
  async stop(h: TaskHandle<C>, options: { timeoutMs: number; signal: string }): Promise<void> {
    if (h.exitResult) return;
    const sig = options.signal ? signalName(options.signal) : "SIGTERM";
    if (!sig) throw new InvalidRequestError("signal", `Unknown signal "${options.signal}"`);
    if (!(await this.kill(h, sig))) return;
    if (await h.waitFor(Math.max(options.timeoutMs, 0))) return;
    this.#o.logger.info("task did not stop in time; sending SIGKILL", {
      task_id: h.taskId,
      timeout_ms: options.timeoutMs,
    });
    await this.kill(h, "SIGKILL");
    if (!(await h.waitFor(this.#graceMs))) void this.#o.checkExit(h.client, h.containerId);
  }

  /**
   * Sends a signal; false when the container is not running any more. A
   * paused container is thawed first, so the task sees the signal (as on a
   * running one).
   */
  async kill(h: TaskHandle<C>, sig: string): Promise<boolean> {
    if (sig === "SIGKILL") h.killSent = true;
    const containers = h.client.containers;
    try {
      const prep = signalPreparation(
        classifyContainer((await containers.inspect(h.containerId)).state),
      );
      if (prep === "already-dead") {
        await this.#o.checkExit(h.client, h.containerId);
        return false;
      }
      if (prep === "unpause-then-send") {
        this.#o.logger.info("unpausing a paused container so that it gets the signal", {
          task_id: h.taskId,
          signal: sig,
        });
        await containers.unpause(h.containerId).catch((err) => {
          if (!(err instanceof PodmanConflictError)) throw err;
        });
      }
      await containers.kill(h.containerId, sig);
      return true;
    } catch (err) {
      if (err instanceof PodmanConflictError || err instanceof PodmanNotFoundError) {
        await this.#o.checkExit(h.client, h.containerId);
        return false;
      }
      throw err;
    }
  }

  /** SignalTask by name or number; refused for an exited task. */
  async signal(h: TaskHandle<C>, sig: string): Promise<void> {
    const name = signalName(sig);
    if (!name || signalNumber(name) === 0 && !name.startsWith("SIGRTMIN")) {
      throw new InvalidRequestError("signal", `Unknown signal "${sig}"`);
    }
    if (h.exitResult) throw new InvalidRequestError("task_id", `Task ${h.taskId} has exited`);
    if (name === "SIGKILL") h.killSent = true;
    await h.client.containers.kill(h.containerId, name);
  }

  /**
   * DestroyTask: refuses a running task unless forced (then SIGKILL and a
   * wait), removes the container when configured, forgets the task. An
   * unknown task (already destroyed) is not an error.
   */
  async destroy(h: TaskHandle<C> | undefined, force: boolean): Promise<void> {
    if (!h) return;
    if (!h.exitResult) {
      if (!force) {
        throw new InvalidRequestError(
          "force",
          `Cannot destroy task ${h.taskId}: it is still running (use force)`,
        );
      }
      if (await this.kill(h, "SIGKILL")) await h.waitFor(this.#graceMs);
    }
    if (this.#o.removeContainers()) {
      await h.client.containers.remove(h.containerId, { force: true, volumes: true });
    }
    this.#o.forget(h);
  }
}
