/**
 * Abortable waits, the one implementation every loop of the plugin uses.
 *
 * @module
 */

/** Waits `ms`, or less when `signal` aborts (then it resolves at once; it never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Waits `ms`; rejects with the signal's reason when `signal` aborts first (or already has). */
export async function sleepOrAbort(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  await sleep(ms, signal);
  signal?.throwIfAborted();
}
