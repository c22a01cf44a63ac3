/**
 * RecoverTask: the stored driver state names a container; one inspect puts it
 * in a row of the decision table ({@link recoveryDecisionFor}), and the row is
 * carried out: adopt it, restart it (`recover_stopped`), report its exit, or
 * fail because it is gone.
 *
 * @module
 */
import type { PluginConfig } from "../config/mod.ts";
import type { HeldFifo } from "../logs/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import type { ContainerInspect } from "../podman/mod.ts";
import {
  classifyContainer,
  type ContainerPhase,
  type RecoveryDecision,
  recoveryDecisionFor,
} from "./container_state.ts";
import { decodeDriverState, type DriverState } from "./driver_state.ts";
import { RecoverableError } from "./errors.ts";
import type { ExitRecorder } from "./exit_result.ts";
import type { ExitWatch, RecoverPort } from "./ports.ts";
import { TaskHandle } from "./task_handle.ts";
import type { NomadTask } from "./task_request.ts";
import type { TaskStore } from "./task_store.ts";

/** A recovered task's companions (OOM sampling, log streaming, health), started by the driver. */
export interface RecoveryCompanions<C> {
  /** After adopting a live container. */
  adopted(h: TaskHandle<C>, task: NomadTask, inspect: ContainerInspect): Promise<void>;
  /** After restarting a dead one at `since`. */
  restarted(h: TaskHandle<C>, task: NomadTask, since: Date): void;
}

/** Dependencies of {@link TaskRecoverer}. */
export interface TaskRecovererOptions<C extends RecoverPort> {
  tasks: TaskStore<C>;
  /** The client of a configured socket (throws for an unknown one). */
  clientFor: (socketName: string) => C;
  config: () => Pick<PluginConfig, "recoverStopped" | "clientHttpTimeoutMs" | "gc">;
  /** Holds the stdout fifo for conmon: `null` when nobody reads it (see start.ts). */
  holdLogFifo: (path: string, field: string) => Promise<HeldFifo | undefined | null>;
  exits: Pick<ExitWatch<C>, "watch">;
  recorder: Pick<ExitRecorder<C>, "check" | "record">;
  companions: RecoveryCompanions<C>;
  logger: Logger;
}

/** Recovers tasks after a plugin restart. */
export class TaskRecoverer<C extends RecoverPort> {
  readonly #o: TaskRecovererOptions<C>;

  constructor(options: TaskRecovererOptions<C>) {
    this.#o = options;
  }

  /** RecoverTask; a task already known is left as it is. Returns the decision carried out. */
  async recover(
    task: NomadTask,
    stored: { version?: number; driverState: Uint8Array },
  ): Promise<RecoveryDecision | "known"> {
    if (this.#o.tasks.has(task.id)) return "known";
    const state = decodeDriverState(stored.driverState, stored.version);
    const client = this.#o.clientFor(state.socket);
    const config = this.#o.config();
    const timeout = () => AbortSignal.timeout(config.clientHttpTimeoutMs);
    const inspect = await client.containers.inspect(state.containerId, { signal: timeout() })
      .catch((err) => {
        if (err instanceof PodmanNotFoundError) return undefined;
        throw err;
      });
    const phase: ContainerPhase = inspect ? classifyContainer(inspect.state) : "gone";
    const { decision, held } = await this.#decide(task, state, phase, config.recoverStopped);
    this.#o.logger.info("recovering task", {
      task_id: task.id,
      container: state.containerId.slice(0, 12),
      decision,
    });
    if (decision === "gone" || !inspect) {
      throw new RecoverableError(
        `Cannot recover task ${task.id}: container ${state.containerId} is gone`,
        { recoverable: false },
      );
    }
    const h = new TaskHandle({
      taskId: task.id,
      taskName: task.name,
      allocId: task.allocId,
      client,
      state,
    });
    switch (decision) {
      case "adopt":
        await this.#adopt(h, task, inspect);
        break;
      case "restart":
        try {
          await this.#restart(h, task, timeout());
        } finally {
          held?.release();
        }
        break;
      case "report-exited":
        await this.#report(h, inspect);
        break;
    }
    return decision;
  }

  /** The table's row; a restart in nomad log mode first holds the fifo (no reader: report instead). */
  async #decide(
    task: NomadTask,
    state: DriverState,
    phase: ContainerPhase,
    recoverStopped: boolean,
  ): Promise<{ decision: RecoveryDecision; held?: HeldFifo | undefined }> {
    const decision = recoveryDecisionFor(phase, recoverStopped);
    if (decision !== "restart" || state.logDriver !== "nomad" || state.logCollectionDisabled) {
      return { decision };
    }
    const held = await this.#o.holdLogFifo(task.stdoutPath, "stdout_path");
    if (!held) {
      this.#o.logger.warn("not restarting an exited container: its log fifo has no reader", {
        task_id: task.id,
      });
    }
    return {
      decision: recoveryDecisionFor(phase, recoverStopped, held ? "read" : "unread"),
      held: held ?? undefined,
    };
  }

  async #adopt(h: TaskHandle<C>, task: NomadTask, inspect: ContainerInspect): Promise<void> {
    this.#o.tasks.add(h);
    this.#o.exits.watch(h.client, h.containerId);
    await this.#o.companions.adopted(h, task, inspect);
    // It may have exited between inspect and watch.
    void this.#o.recorder.check(h.client, h.containerId);
  }

  async #restart(h: TaskHandle<C>, task: NomadTask, signal: AbortSignal): Promise<void> {
    this.#o.exits.watch(h.client, h.containerId);
    const since = new Date();
    await h.client.containers.start(h.containerId, { signal });
    this.#o.tasks.add(h);
    void this.#o.recorder.check(h.client, h.containerId);
    this.#o.companions.restarted(h, task, since);
  }

  async #report(h: TaskHandle<C>, inspect: ContainerInspect): Promise<void> {
    this.#o.tasks.add(h);
    await this.#o.recorder.record(h, inspect);
    if (this.#o.config().gc.container) {
      await h.client.containers.remove(h.containerId, { force: true, volumes: true }).catch(
        () => {},
      );
    }
  }
}
