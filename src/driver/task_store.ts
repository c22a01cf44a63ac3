/**
 * The tasks of one plugin process, and the task IDs a StartTask or
 * RecoverTask is working on (the reconciler leaves their containers alone).
 *
 * @module
 */
import { TaskExistsError, TaskNotFoundError } from "./errors.ts";
import type { TaskHandle } from "./task_handle.ts";

/** Known tasks by ID; `C` is the Podman client type of their handles. */
export class TaskStore<C> {
  readonly #tasks = new Map<string, TaskHandle<C>>();
  readonly #starting = new Set<string>();
  readonly #recovering = new Set<string>();

  has(taskId: string): boolean {
    return this.#tasks.has(taskId);
  }

  /** The task, or `undefined`. */
  find(taskId: string): TaskHandle<C> | undefined {
    return this.#tasks.get(taskId);
  }

  /** The task; throws {@link TaskNotFoundError} for an unknown ID. */
  get(taskId: string): TaskHandle<C> {
    const h = this.#tasks.get(taskId);
    if (!h) throw new TaskNotFoundError(taskId);
    return h;
  }

  add(h: TaskHandle<C>): void {
    this.#tasks.set(h.taskId, h);
  }

  delete(taskId: string): void {
    this.#tasks.delete(taskId);
  }

  /** The task running `containerId` on `client`. */
  byContainer(client: C, containerId: string): TaskHandle<C> | undefined {
    for (const h of this.#tasks.values()) {
      if (h.client === client && h.containerId === containerId) return h;
    }
    return undefined;
  }

  /** The container IDs of all known tasks. */
  containerIds(): Set<string> {
    return new Set([...this.#tasks.values()].map((h) => h.containerId));
  }

  /**
   * Claims `taskId` for a StartTask; the returned function ends the claim.
   *
   * @throws {TaskExistsError} when the task is known or already starting.
   */
  beginStart(taskId: string): () => void {
    if (this.#tasks.has(taskId) || this.#starting.has(taskId)) throw new TaskExistsError(taskId);
    this.#starting.add(taskId);
    return () => this.#starting.delete(taskId);
  }

  /** Marks `taskId` as being recovered; the returned function ends it. */
  beginRecover(taskId: string): () => void {
    this.#recovering.add(taskId);
    return () => this.#recovering.delete(taskId);
  }

  /** A StartTask or RecoverTask is working on `taskId`. */
  inFlight(taskId: string): boolean {
    return this.#starting.has(taskId) || this.#recovering.has(taskId);
  }
}
