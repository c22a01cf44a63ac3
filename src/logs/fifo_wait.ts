/**
 * Opening a log fifo whose reader may still be on its way.
 *
 * Nomad's logmon creates the fifo and opens its read end in a goroutine of its own, so a
 * StartTask can arrive a moment before anyone reads (seen through Nomad-client tests,
 * tests/nomad). The write end is tried again for a short while before giving up.
 *
 * @module
 */
import * as fs from "node:fs";
import { FifoNoReaderError, FifoWriter, openFifoReadEnd } from "./fifo.ts";
import { sleep } from "../common/mod.ts";

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
    await sleep(pollMs);
  }
}

/**
 * A log fifo held open at both ends while conmon opens its own write end.
 *
 * In Nomad's log mode conmon opens the fifo for writing when the container
 * starts, and that open blocks until somebody reads, with the container's lock
 * held: every later Podman call touching the container hangs. Checking for a
 * reader first is not enough (logmon can go away between the check and
 * conmon's open), so the plugin holds a read end of its own until start
 * returned: conmon's open cannot block. The plugin never reads from it, so
 * every byte stays for logmon. The write end keeps logmon from seeing an EOF
 * before conmon holds its own.
 */
export interface HeldFifo {
  /** Closes both ends; idempotent. */
  release(): void;
}

/**
 * Waits for a reader (as {@linkcode openFifoWriterWithin}), then holds both
 * ends of the fifo. Resolves with null when nobody reads within `timeoutMs`.
 *
 * @throws {FifoPathError} at once when the path is not a fifo.
 */
export async function holdFifoForConmon(
  path: string,
  field: string,
  timeoutMs: number = FIFO_READER_WAIT_MS,
  pollMs = 50,
): Promise<HeldFifo | null> {
  const writer = await openFifoWriterWithin(path, field, timeoutMs, pollMs);
  if (writer === null) return null;
  let readFd: number | undefined;
  try {
    readFd = openFifoReadEnd(path, field).fd;
  } catch (err) {
    writer.close();
    throw err;
  }
  return {
    release() {
      writer.close();
      if (readFd === undefined) return;
      const fd = readFd;
      readFd = undefined;
      try {
        fs.closeSync(fd);
      } catch { /* already closed */ }
    },
  };
}
