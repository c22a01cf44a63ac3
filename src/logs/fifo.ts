/**
 * Nomad's log fifos, opened for writing without ever hanging the plugin.
 *
 * The path is checked with `lstat` first (a symlink or regular file placed
 * there is refused: the exec2 CVE), then opened with
 * `O_WRONLY|O_NONBLOCK|O_NOFOLLOW`: the open fails at once with ENXIO when no
 * reader (logmon) is there instead of blocking, and cannot follow a symlink
 * swapped in after the check. Writes never block the event loop: a full pipe
 * (EAGAIN) is retried after a short sleep, and a reader that went away (EPIPE)
 * becomes a typed error, never a crash (Deno ignores SIGPIPE).
 *
 * @module
 */
import { isNotCapable } from "../profile/mod.ts";
import * as fs from "node:fs";
import { errorMessage, sleep } from "../common/mod.ts";

/** The path of a log fifo is not a fifo (symlink, regular file, directory, ...). */
export class FifoPathError extends Error {
  override name = "FifoPathError";
  /** Which fifo: `stdout_path` or `stderr_path`. */
  readonly field: string;
  readonly path: string;
  constructor(field: string, path: string, detail: string) {
    super(`Refusing the log fifo ${field} = "${path}": ${detail}`);
    this.field = field;
    this.path = path;
  }
}

/** Nobody has the fifo open for reading (ENXIO on open). */
export class FifoNoReaderError extends Error {
  override name = "FifoNoReaderError";
  readonly field: string;
  readonly path: string;
  constructor(field: string, path: string) {
    super(`The log fifo ${field} = "${path}" has no reader`);
    this.field = field;
    this.path = path;
  }
}

/** The reader closed the fifo while we were writing (EPIPE), or it was closed. */
export class FifoClosedError extends Error {
  override name = "FifoClosedError";
  readonly field: string;
  readonly path: string;
  constructor(field: string, path: string, detail: string) {
    super(`The log fifo ${field} = "${path}" was closed: ${detail}`);
    this.field = field;
    this.path = path;
  }
}

/** Where a log stream goes. */
export interface LogSinkFile {
  /** Writes all of `data`; resolves when written. */
  write(data: Uint8Array, signal?: AbortSignal): Promise<void>;
  /** Closes the write end (the reader sees EOF once every writer closed). */
  close(): void;
}

/** Linux's atomic pipe write size. */
const PIPE_BUF = 4096;

/** The path Nomad sends when the job disables logging. */
export const DEV_NULL = "/dev/null";

function errCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function describe(err: unknown): string {
  // A Deno permission denial: the path lies outside the deployment profile.
  if (isNotCapable(err)) {
    return "it is outside the plugin's deployment profile: add its directory (Nomad's data dir) " +
      "to the profile setting data_dir";
  }
  return errorMessage(err);
}

/**
 * Checks that `path` is a fifo, without following symlinks. `/dev/null` and
 * `""` are accepted (logging disabled).
 *
 * @throws {FifoPathError} for a symlink, anything but a fifo, or a missing path.
 */
export function checkFifoPath(path: string, field: string): void {
  if (path === "" || path === DEV_NULL) return;
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (err) {
    throw new FifoPathError(field, path, describe(err));
  }
  if (info.isSymlink) throw new FifoPathError(field, path, "it is a symlink");
  if (!info.isFifo) {
    throw new FifoPathError(field, path, info.isFile ? "it is a regular file" : "it is not a fifo");
  }
}

/** Discards everything (`/dev/null`, or logging disabled). */
export class NullSink implements LogSinkFile {
  write(_data: Uint8Array): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** The write end of one log fifo, non-blocking. */
export class FifoWriter implements LogSinkFile {
  readonly path: string;
  readonly field: string;
  #fd: number | undefined;

  private constructor(path: string, field: string, fd: number) {
    this.path = path;
    this.field = field;
    this.#fd = fd;
  }

  /**
   * Opens the fifo for writing; never blocks.
   *
   * @throws {FifoPathError} when the path is not a fifo (checked before and after the open).
   * @throws {FifoNoReaderError} when no process has it open for reading.
   */
  static open(path: string, field: string): FifoWriter {
    checkFifoPath(path, field);
    let fd: number;
    try {
      fd = fs.openSync(
        path,
        fs.constants.O_WRONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW,
      );
    } catch (err) {
      const code = errCode(err);
      if (code === "ENXIO") throw new FifoNoReaderError(field, path);
      if (code === "ELOOP") throw new FifoPathError(field, path, "it is a symlink");
      throw new FifoPathError(field, path, describe(err));
    }
    try {
      if (!fs.fstatSync(fd).isFIFO()) {
        throw new FifoPathError(field, path, "it is not a fifo");
      }
    } catch (err) {
      fs.closeSync(fd);
      throw err instanceof FifoPathError ? err : new FifoPathError(field, path, describe(err));
    }
    return new FifoWriter(path, field, fd);
  }

  /** Whether the write end is still open. */
  get isOpen(): boolean {
    return this.#fd !== undefined;
  }

  /**
   * Writes all of `data`. A full pipe waits (1 ms doubling to 50 ms) until
   * the reader catches up or `signal` aborts (then the rest is dropped).
   *
   * @throws {FifoClosedError} when the reader went away (EPIPE) or the writer was closed.
   */
  async write(data: Uint8Array, signal?: AbortSignal): Promise<void> {
    let off = 0;
    let backoff = 1;
    while (off < data.length) {
      const fd = this.#fd;
      if (fd === undefined) throw new FifoClosedError(this.field, this.path, "writer closed");
      try {
        // At most PIPE_BUF per call: such a write is atomic on a non-blocking
        // pipe (all or EAGAIN), and node:fs's writeSync retries partial writes
        // internally, so a bigger slice could write some bytes and then throw.
        const n = Math.min(data.length - off, PIPE_BUF);
        fs.writeSync(fd, data, off, n);
        off += n;
        backoff = 1;
      } catch (err) {
        const code = errCode(err);
        if (code === "EAGAIN" || code === "EWOULDBLOCK" || code === "EINTR") {
          if (signal?.aborted) return;
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, 50);
          continue;
        }
        this.close();
        throw new FifoClosedError(this.field, this.path, code ?? describe(err));
      }
    }
  }

  /** Closes the write end; idempotent. */
  close(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    try {
      fs.closeSync(fd);
    } catch { /* already closed */ }
  }
}

/**
 * Opens the read end of the fifo at `path` without blocking and without
 * following a symlink, and checks the descriptor is a fifo. The caller closes
 * the returned descriptor; its `stat` comes along (owner, mode).
 *
 * @throws {FifoPathError} naming `field` for a symlink, anything but a fifo, or a failed open.
 */
export function openFifoReadEnd(path: string, field: string): { fd: number; stat: fs.Stats } {
  let fd: number;
  try {
    fd = fs.openSync(
      path,
      fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW,
    );
  } catch (err) {
    if (errCode(err) === "ELOOP") throw new FifoPathError(field, path, "it is a symlink");
    throw new FifoPathError(field, path, `cannot open it: ${describe(err)}`);
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.fstatSync(fd);
  } catch { /* reported below */ }
  if (!stat?.isFIFO()) {
    fs.closeSync(fd);
    throw new FifoPathError(field, path, "it is not a fifo");
  }
  return { fd, stat };
}

/**
 * Opens a log destination: a {@linkcode NullSink} for `""`/`/dev/null`,
 * otherwise a {@linkcode FifoWriter}.
 *
 * @throws {FifoPathError} or {FifoNoReaderError} as {@linkcode FifoWriter.open}.
 */
export function openLogSink(path: string, field: string): LogSinkFile {
  if (path === "" || path === DEV_NULL) return new NullSink();
  return FifoWriter.open(path, field);
}

/**
 * Opens a log destination, retrying while nobody reads the fifo (a new logmon
 * may appear later, e.g. after a client restart). Resolves `undefined` when
 * `signal` aborts first.
 *
 * @throws {FifoPathError} at once when the path is not a fifo.
 */
export async function openLogSinkWhenRead(
  path: string,
  field: string,
  options: { signal: AbortSignal; retryMs?: number; onWaiting?: () => void },
): Promise<LogSinkFile | undefined> {
  let warned = false;
  while (!options.signal.aborted) {
    try {
      return openLogSink(path, field);
    } catch (err) {
      if (!(err instanceof FifoNoReaderError)) throw err;
      if (!warned) options.onWaiting?.();
      warned = true;
      await sleep(options.retryMs ?? 1000, options.signal);
    }
  }
  return undefined;
}
