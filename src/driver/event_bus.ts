/**
 * A small fan-out of values to any number of async-iterating subscribers.
 *
 * @module
 */

/** Delivers published values to every current subscriber, dropping the oldest past `limit`. */
export class EventBus<T> {
  readonly #subscribers = new Set<{ queue: T[]; wake: () => void }>();
  readonly #limit: number;

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  publish(value: T): void {
    for (const s of this.#subscribers) {
      s.queue.push(value);
      if (s.queue.length > this.#limit) s.queue.shift();
      s.wake();
    }
  }

  /** Yields values published from now on until `signal` aborts. */
  async *subscribe(signal: AbortSignal): AsyncGenerator<T> {
    const sub = { queue: [] as T[], wake: () => {} };
    this.#subscribers.add(sub);
    const onAbort = () => sub.wake();
    signal.addEventListener("abort", onAbort);
    try {
      while (!signal.aborted) {
        while (sub.queue.length > 0 && !signal.aborted) yield sub.queue.shift()!;
        if (signal.aborted) return;
        await new Promise<void>((r) => (sub.wake = r));
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#subscribers.delete(sub);
    }
  }
}
