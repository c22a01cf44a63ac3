/**
 * The position of the last log line written, for resuming a broken log stream
 * without duplicating or dropping lines.
 *
 * Podman's `since` and its `timestamps=true` line prefix both have whole-second
 * resolution, so a position is "second S, and the first N lines of second S".
 * A resumed request asks for `since = S` (inclusive), and the cursor skips
 * every line before S plus the first N lines stamped S, which the journal
 * returns in the same order every time.
 *
 * @module
 */

/** Splits a `timestamps=true` frame: `<RFC3339 time> <message>`. */
export function splitTimestamp(
  frame: Uint8Array,
): { second: number; message: Uint8Array } | undefined {
  // The prefix is ASCII and short: look for the first space in the first 64 bytes.
  const limit = Math.min(frame.length, 64);
  let space = -1;
  for (let i = 0; i < limit; i++) {
    if (frame[i] === 0x20) {
      space = i;
      break;
    }
  }
  if (space < 20) return undefined; // shorter than "2006-01-02T15:04:05Z"
  const text = new TextDecoder().decode(frame.subarray(0, space));
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)) return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return undefined;
  return { second: Math.floor(ms / 1000), message: frame.subarray(space + 1) };
}

/** Tracks what was written; decides, per request, which lines are new. */
export class LogCursor {
  #second: number;
  #count = 0;
  #seenAtSecond = 0;

  /** Lines before `since` (second resolution) are skipped; `undefined` keeps all. */
  constructor(since?: Date) {
    this.#second = since ? Math.floor(since.getTime() / 1000) : Number.NEGATIVE_INFINITY;
  }

  /** The `since` for the next request, or `undefined` for the whole log. */
  get since(): Date | undefined {
    return Number.isFinite(this.#second) ? new Date(this.#second * 1000) : undefined;
  }

  /** Lines written so far in the cursor's second (for logs and tests). */
  get position(): { second: number; count: number } {
    return { second: this.#second, count: this.#count };
  }

  /** Call before each request: the replayed lines are counted again from zero. */
  beginRequest(): void {
    this.#seenAtSecond = 0;
  }

  /** Whether a line stamped `second` is new (not written before). */
  isNew(second: number): boolean {
    if (second < this.#second) return false;
    if (second > this.#second) return true;
    return this.#seenAtSecond >= this.#count;
  }

  /**
   * Records a line stamped `second` as handled in this request: either
   * written now, or skipped because {@linkcode isNew} said it was written before.
   */
  advance(second: number): void {
    if (second < this.#second) return;
    if (second > this.#second) {
      this.#second = second;
      this.#count = 0;
      this.#seenAtSecond = 0;
    }
    this.#seenAtSecond++;
    if (this.#seenAtSecond > this.#count) this.#count = this.#seenAtSecond;
  }
}
