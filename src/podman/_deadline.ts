/**
 * Call deadlines: a {@linkcode Deadline} timer whose signal aborts the fetch,
 * and {@linkcode guardStream}, which keeps a streaming body's deadline until
 * the stream ends and types its read failures.
 *
 * @module
 */

/** A one-shot timer with an abort signal; no timer (and no signal) when `ms` is undefined. */
export class Deadline {
  readonly ms: number | undefined;
  readonly #controller = new AbortController();
  readonly #id: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(ms: number | undefined) {
    this.ms = ms;
    if (ms !== undefined) {
      this.#id = setTimeout(() => {
        this.fired = true;
        this.#controller.abort(new DOMException(`Deadline of ${ms} ms passed`, "TimeoutError"));
      }, ms);
    }
  }

  get signal(): AbortSignal | undefined {
    return this.ms === undefined ? undefined : this.#controller.signal;
  }

  clear(): void {
    if (this.#id !== undefined) clearTimeout(this.#id);
  }
}

/**
 * Wraps a streaming body so the deadline timer is cleared when the stream ends
 * or is cancelled, and read failures become typed errors.
 */
export function guardStream(
  src: ReadableStream<Uint8Array>,
  timer: Deadline,
  fail: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        timer.clear();
        reader.releaseLock();
        await src.cancel().catch(() => {});
        controller.error(fail(err));
        return;
      }
      if (r.done) {
        timer.clear();
        controller.close();
      } else {
        controller.enqueue(r.value);
      }
    },
    async cancel(reason) {
      timer.clear();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

/** Type guard for filtering out missing signals. */
export function isSignal(s: AbortSignal | undefined): s is AbortSignal {
  return s !== undefined;
}
