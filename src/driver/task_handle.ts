/**
 * One task this plugin runs: its container, state and exit.
 *
 * @module
 */
import type { PodmanClient } from "../podman/mod.ts";
import type { DriverState } from "./driver_state.ts";
import type { OomEvidence } from "./oom.ts";
import type { DriverNetwork, ExitResult, TaskState, TaskStatusView } from "./types.ts";

/** A task's runtime record; `C` is its socket's Podman client (a fake port in unit tests). */
export class TaskHandle<C = PodmanClient> {
  readonly taskId: string;
  readonly taskName: string;
  readonly allocId: string;
  readonly client: C;
  readonly state: DriverState;
  status: TaskState = "running";
  completedAtMs = 0;
  exitResult: ExitResult | undefined;
  /** The driver sent SIGKILL itself (so a 137 exit is not an OOM kill). */
  killSent = false;
  /** Memory limit of the container in bytes (0: unknown or none). */
  memoryLimitBytes = 0;
  /** OOM sampling being set up (off StartTask's critical path); awaited before the evidence. */
  oomTracking: Promise<void> | undefined;
  /** The kernel's OOM counters, read once when the exit was noticed. */
  oomEvidence: Promise<OomEvidence | undefined> | undefined;
  /** Extra InspectTask driver attributes (e.g. the health status). */
  readonly attributes: Record<string, string> = {};
  /** Aborted when the task is destroyed (ends its streams). */
  readonly lifetime = new AbortController();
  readonly #exited: Promise<ExitResult>;
  #resolveExit!: (r: ExitResult) => void;

  constructor(init: {
    taskId: string;
    taskName: string;
    allocId: string;
    client: C;
    state: DriverState;
  }) {
    this.taskId = init.taskId;
    this.taskName = init.taskName;
    this.allocId = init.allocId;
    this.client = init.client;
    this.state = init.state;
    this.#exited = new Promise((r) => (this.#resolveExit = r));
  }

  get containerId(): string {
    return this.state.containerId;
  }

  get network(): DriverNetwork | undefined {
    return this.state.network;
  }

  /**
   * Records the exit once; later calls are ignored. The completion time is never before the
   * start: Podman 4.3 can report a FinishedAt a few ms before StartedAt for a container that
   * exits at once (seen through Nomad-client tests, tests/nomad).
   */
  markExited(result: ExitResult, completedAtMs = Date.now()): void {
    if (this.exitResult) return;
    this.exitResult = result;
    this.status = "exited";
    this.completedAtMs = Math.max(completedAtMs, this.state.startedAtMs);
    this.#resolveExit(result);
  }

  /** InspectTask's view: state, times, exit, driver attributes and network. */
  statusView(): TaskStatusView {
    return {
      id: this.taskId,
      name: this.taskName,
      state: this.status,
      startedAtMs: this.state.startedAtMs,
      completedAtMs: this.completedAtMs,
      exitResult: this.exitResult ?? { exitCode: 0, signal: 0, oomKilled: false },
      attributes: {
        ...this.attributes,
        "container_id": this.containerId,
        "container_name": this.state.containerName,
      },
      network: this.network,
    };
  }

  /** Resolves with the exit result, or rejects when `signal` aborts first. */
  wait(signal?: AbortSignal): Promise<ExitResult> {
    if (!signal) return this.#exited;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.#exited.then((r) => {
        signal.removeEventListener("abort", onAbort);
        resolve(r);
      });
    });
  }

  /** Waits up to `ms` for the exit; true when it exited. */
  async waitFor(ms: number): Promise<boolean> {
    if (this.exitResult) return true;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), ms);
    try {
      await this.wait(ctl.signal);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
