/**
 * Per-step durations of one operation (StartTask), logged with its result so
 * a benchmark (or an operator) can see where the time went.
 *
 * @module
 */

/** Records the time since the previous mark under each step name. */
export class StepTimer {
  #last = performance.now();
  readonly #steps: Array<[string, number]> = [];

  /** Ends the current step as `name`. */
  mark(name: string): void {
    const now = performance.now();
    this.#steps.push([name, now - this.#last]);
    this.#last = now;
  }

  /** Log fields `step_<name>_ms` (0.1 ms resolution); a repeated name adds up. */
  fields(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, ms] of this.#steps) {
      const key = `step_${name}_ms`;
      out[key] = Math.round(((out[key] ?? 0) + ms) * 10) / 10;
    }
    return out;
  }
}

/**
 * Like `Promise.all`, but waits for every promise and, when some failed,
 * throws the error of the first failed one in argument order (not the first
 * to fail in time), so overlapping independent steps keeps their error order.
 */
export async function allInOrder<T extends readonly unknown[]>(
  promises: { [K in keyof T]: Promise<T[K]> },
): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const r of settled) if (r.status === "rejected") throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
