/**
 * Opening a log fifo whose reader may still be on its way.
 *
 * Nomad's logmon creates the fifo and opens its read end in a goroutine of its own, so a
 * StartTask can arrive a moment before anyone reads (seen through Nomad-client tests,
 * tests/nomad). The write end is tried again for a short while before giving up.
 *
 * @module
 */
import { FifoNoReaderError, FifoWriter } from "./fifo.ts";

/** How long StartTask waits for logmon to open a fifo's read end. */
export const FIFO_READER_WAIT_MS = 3000;

/**
 * Opens the write end of `path` (non-blocking), retrying every `pollMs` while it has no
 * reader, for up to `timeoutMs`. Resolves with null if no reader came; other errors
 * (not a fifo, a symlink, …) are thrown at once.
 */
export async function openFifoWriterWithin(
  path: string,
  field: string,
  timeoutMs: number = FIFO_READER_WAIT_MS,
  pollMs = 50,
  open: (path: string, field: string) => FifoWriter = FifoWriter.open,
): Promise<FifoWriter | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return open(path, field);
    } catch (err) {
      if (!(err instanceof FifoNoReaderError)) throw err;
      if (Date.now() >= deadline) return null;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
