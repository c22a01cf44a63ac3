/**
 * Domain types the driver core exchanges with the gRPC edge.
 *
 * @module
 */

/** How a task ended. */
export interface ExitResult {
  exitCode: number;
  /** The terminating signal number, 0 if none. */
  signal: number;
  oomKilled: boolean;
  /** Shown in the Terminated event; makes the exit count as a failure. */
  err?: string;
}

/** Task state as Nomad models it. */
export type TaskState = "unknown" | "running" | "exited";

/** The network the task got, for Nomad's service registration. */
export interface DriverNetwork {
  /** Port label → port inside the task. */
  portMap: Record<string, number>;
  ip: string;
  autoAdvertise: boolean;
}

/** What StartTask hands back besides the echoed TaskConfig. */
export interface StartTaskResult {
  driverState: Uint8Array;
  network: DriverNetwork | undefined;
}

/** InspectTask's answer. */
export interface TaskStatusView {
  id: string;
  name: string;
  state: TaskState;
  /** Epoch ms; 0 while unknown. */
  startedAtMs: number;
  /** Epoch ms; 0 while running. */
  completedAtMs: number;
  exitResult: ExitResult;
  attributes: Record<string, string>;
  network: DriverNetwork | undefined;
}

/** A "Driver" task event for Nomad's task event list. */
export interface TaskEvent {
  taskId: string;
  allocId: string;
  taskName: string;
  timestampMs: number;
  message: string;
  annotations: Record<string, string>;
}

/** One resource usage sample for TaskStats (defined by the stats layer). */
export type { StatsSample } from "../stats/mod.ts";

/** Result of a non-interactive exec. */
export interface ExecResult {
  stdout: Uint8Array;
  stderr: Uint8Array;
  exitCode: number;
}

/** The client agent's settings passed in SetConfig. */
export interface AgentConfig {
  clientMinPort: number;
  clientMaxPort: number;
  /** Total node compute in MHz (0 when unknown). */
  totalComputeMhz: number;
}

/** Input of an interactive exec session (`nomad alloc exec`). */
export type ExecInput =
  | { kind: "stdin"; data: Uint8Array }
  | { kind: "stdin-close" }
  | { kind: "resize"; height: number; width: number };

/** An interactive exec session, as the driver core sees it. */
export interface ExecSession {
  taskId: string;
  command: string[];
  tty: boolean;
  /** Client input until the client ends its side. */
  input: AsyncIterable<ExecInput>;
  writeStdout(data: Uint8Array): void;
  writeStderr(data: Uint8Array): void;
  /** Ends when the client goes away. */
  signal: AbortSignal;
}
