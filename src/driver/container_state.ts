/**
 * The one classifier of a container's state. Exit watching, recovery, log
 * streaming and stop/destroy all ask it, so they agree about every state
 * Podman reports (a `paused` container is alive everywhere: its task has not
 * exited, a stop must thaw it first).
 *
 * @module
 */

/** What the driver needs of Podman's `State` (a subset of the inspect). */
export interface ContainerStateView {
  status: string;
  running: boolean;
  paused: boolean;
}

/**
 * The driver's view of a container:
 * - `created`: not started yet (created, configured/initialized);
 * - `running`: its processes run (also `stopping`: not dead yet);
 * - `paused`: frozen; alive, the task has not exited;
 * - `exited`: dead, the exit code is final (exited, stopped, unknown);
 * - `removing`: dead and being removed;
 * - `gone`: Podman does not know it (404).
 */
export type ContainerPhase = "created" | "running" | "paused" | "exited" | "removing" | "gone";

/** Classifies an inspected state; `undefined` (not found) is `gone`. */
export function classifyContainer(state: ContainerStateView | undefined): ContainerPhase {
  if (state === undefined) return "gone";
  const status = state.status.toLowerCase();
  // The status string wins over the flags: Podman 4 reports Running=true for a paused container.
  switch (status) {
    case "paused":
      return "paused";
    case "running":
    case "stopping":
      return "running";
    case "created":
    case "configured":
    case "initialized":
      return "created";
    case "removing":
      return "removing";
    case "exited":
    case "stopped":
      return "exited";
  }
  if (state.paused) return "paused";
  if (state.running) return "running";
  return "exited";
}

/** The task has not exited: its container is created, running or paused. */
export function isAlive(phase: ContainerPhase): boolean {
  return phase === "created" || phase === "running" || phase === "paused";
}

/** What RecoverTask does with a container in a given phase. */
export type RecoveryDecision = "adopt" | "restart" | "report-exited" | "gone";

/**
 * The task's stdout fifo at recovery: nothing to feed (journald, collection
 * off), a reader holds it (Nomad's logmon), or nobody reads it.
 */
export type RecoveryLogFifo = "none" | "read" | "unread";

/**
 * Recovery: running and paused are adopted; a dead one is restarted
 * (`recover_stopped`) or reported; a container that is gone (inspect 404) is
 * an error. A restart whose log fifo nobody reads is reported instead:
 * conmon's open of it would block and wedge Podman.
 */
export function recoveryDecisionFor(
  phase: ContainerPhase,
  recoverStopped: boolean,
  logFifo: RecoveryLogFifo = "none",
): RecoveryDecision {
  switch (phase) {
    case "running":
    case "paused":
      return "adopt";
    case "gone":
      return "gone";
    case "removing":
      return "report-exited";
    case "created":
    case "exited":
      return recoverStopped && logFifo !== "unread" ? "restart" : "report-exited";
  }
}

/** Log streaming: whether to keep following, drain and end, or stop (container removed). */
export type LogLiveness = "running" | "exited" | "removed";

/** Log streaming's view of a phase. */
export function logLiveness(phase: ContainerPhase): LogLiveness {
  if (phase === "gone") return "removed";
  return isAlive(phase) ? "running" : "exited";
}

/** What StopTask/DestroyTask must do before a signal reaches the task. */
export type SignalPreparation = "send" | "unpause-then-send" | "already-dead";

/** Stop/destroy: a paused container is thawed first (a frozen task cannot handle the signal). */
export function signalPreparation(phase: ContainerPhase): SignalPreparation {
  if (phase === "paused") return "unpause-then-send";
  return isAlive(phase) ? "send" : "already-dead";
}
