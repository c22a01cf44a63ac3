/**
 * Exec start on a hijacked connection. fetch cannot give a bidirectional
 * HTTP/1.1 connection, so start is written by hand on a raw connection (unix or
 * TCP): the request, then the response head, then the raw stream (8-byte
 * framed unless TTY), split into the session's stdout, stderr and stdin.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { FrameDemuxer } from "./_multiplex.ts";
import { PodmanApiError, PodmanResponseError, PodmanTimeoutError } from "./errors.ts";

// Only used to build the path and classify errors: the call itself is raw.
const START: Endpoint<"none"> = {
  method: "POST",
  path: "/exec/{id}/start",
  ok: [101, 200],
  body: "none",
};

/** Options of `ExecApi.start`. */
export interface ExecStartOptions {
  /** Must match the `tty` of create: TTY output is raw, otherwise framed. */
  tty?: boolean;
  /** Piped into the session's stdin; its end half-closes the connection. */
  stdin?: ReadableStream<Uint8Array> | undefined;
  /** Aborting closes the connection. */
  signal?: AbortSignal | undefined;
}

/** A running exec session. */
export interface ExecSession {
  /** Process stdout (all output when TTY). */
  readonly stdout: ReadableStream<Uint8Array>;
  /** Process stderr (empty when TTY). */
  readonly stderr: ReadableStream<Uint8Array>;
  /** Process stdin; closing it half-closes the connection's write side. */
  readonly stdin: WritableStream<Uint8Array>;
  /** Settles when the output ends: resolves on a clean end, rejects on a failure. */
  readonly done: Promise<void>;
  /** Closes the connection now. */
  close(): void;
}

const MAX_HEAD = 64 * 1024;
const encoder = new TextEncoder();

/** Starts an exec session on a raw connection and returns its streams. */
export async function startSession(
  t: Transport,
  execId: string,
  options: ExecStartOptions,
): Promise<ExecSession> {
  const tty = options.tty ?? false;
  const path = await t.pathFor(START, { params: { id: execId } });
  options.signal?.throwIfAborted();
  const conn = await t.connectRaw();
  let leftover: Uint8Array;
  try {
    const body = JSON.stringify({ Detach: false, Tty: tty });
    await writeAll(conn, encoder.encode(requestHead(t, path, body) + body));
    leftover = await readHead(t, conn, path, options.signal);
  } catch (err) {
    closeQuietly(conn);
    throw err;
  }
  return openSession(conn, leftover, tty, options);
}

/** Reads the start answer's head under the client timeout; returns the bytes after it. */
async function readHead(
  t: Transport,
  conn: Deno.Conn,
  path: string,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  const timeoutMs = t.timeoutMs;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    closeQuietly(conn);
  }, timeoutMs);
  const onAbort = () => closeQuietly(conn);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const { status, headers, rest } = await readResponseHead(conn, START.method, path);
    if (status === 101 || status === 200) return rest;
    const text = await readErrorBody(conn, headers, rest);
    throw t.statusError(START, path, status, text);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    if (timedOut) {
      throw new PodmanTimeoutError(`Podman POST ${path} timed out after ${timeoutMs} ms`, {
        method: START.method,
        path,
        status: 0,
        timeoutMs,
        cause: err,
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

function requestHead(t: Transport, path: string, body: string): string {
  const a = t.address;
  const host = a.kind === "unix" ? "libpod" : `${a.hostname}:${a.port}`;
  return `POST ${path} HTTP/1.1\r\n` +
    `Host: ${host}\r\n` +
    "Content-Type: application/json\r\n" +
    "Connection: Upgrade\r\n" +
    "Upgrade: tcp\r\n" +
    `Content-Length: ${encoder.encode(body).length}\r\n\r\n`;
}

interface Head {
  status: number;
  headers: Map<string, string>;
  rest: Uint8Array;
}

async function readResponseHead(conn: Deno.Conn, method: string, path: string): Promise<Head> {
  let buf: Uint8Array = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  while (true) {
    const end = indexOfHeadEnd(buf);
    if (end >= 0) return parseHead(buf.subarray(0, end), buf.slice(end + 4), method, path);
    if (buf.length > MAX_HEAD) {
      throw new PodmanResponseError(`Podman ${method} ${path} sent a response head over 64 KiB`, {
        method,
        path,
        status: 0,
      });
    }
    const n = await conn.read(chunk);
    if (n === null) {
      throw new PodmanResponseError(
        `Podman ${method} ${path} closed the connection before a complete response head`,
        { method, path, status: 0 },
      );
    }
    buf = concat(buf, chunk.subarray(0, n));
  }
}

function indexOfHeadEnd(b: Uint8Array): number {
  for (let i = 0; i + 3 < b.length; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

function parseHead(head: Uint8Array, rest: Uint8Array, method: string, path: string): Head {
  const lines = new TextDecoder().decode(head).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? "");
  if (!m) {
    throw new PodmanResponseError(
      `Podman ${method} ${path} answered a malformed status line '${
        (lines[0] ?? "").slice(0, 80)
      }'`,
      { method, path, status: 0 },
    );
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers, rest };
}

async function readErrorBody(
  conn: Deno.Conn,
  headers: Map<string, string>,
  rest: Uint8Array,
): Promise<string> {
  const len = Number(headers.get("content-length") ?? NaN);
  let buf: Uint8Array = rest;
  const chunk = new Uint8Array(4096);
  while (buf.length < (Number.isFinite(len) ? len : MAX_HEAD)) {
    const n = await conn.read(chunk);
    if (n === null) break;
    buf = concat(buf, chunk.subarray(0, n));
  }
  return new TextDecoder().decode(Number.isFinite(len) ? buf.subarray(0, len) : buf);
}

/** Wires the hijacked connection to the session's streams and starts reading it. */
function openSession(
  conn: Deno.Conn,
  leftover: Uint8Array,
  tty: boolean,
  options: ExecStartOptions,
): ExecSession {
  const output = new SessionOutput(tty);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closeQuietly(conn);
  };
  const onAbort = () => close();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const done = pump(conn, leftover, output, options.signal, () => {
    options.signal?.removeEventListener("abort", onAbort);
    close();
  });
  done.catch(() => {}); // the caller may not await it
  const stdin = sessionStdin(conn, () => closed);
  if (options.stdin) options.stdin.pipeTo(stdin).catch(() => {});
  return { stdout: output.stdout, stderr: output.stderr, stdin, done, close };
}

/** The session's stdout and stderr, fed raw (TTY) or through the frame demultiplexer. */
class SessionOutput {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly #demux: FrameDemuxer | undefined;
  #out!: ReadableStreamDefaultController<Uint8Array>;
  #err!: ReadableStreamDefaultController<Uint8Array>;
  #outOpen = true;
  #errOpen = true;

  constructor(tty: boolean) {
    this.stdout = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#out = c),
      cancel: () => void (this.#outOpen = false),
    });
    this.stderr = new ReadableStream<Uint8Array>({
      start: (c) => void (this.#err = c),
      cancel: () => void (this.#errOpen = false),
    });
    this.#demux = tty ? undefined : new FrameDemuxer();
  }

  /** Routes bytes read from the connection; a server-error frame throws. */
  dispatch(bytes: Uint8Array): void {
    if (!this.#demux) {
      if (this.#outOpen) this.#out.enqueue(bytes);
      return;
    }
    for (const f of this.#demux.push(bytes)) {
      if (f.stream === 3) {
        throw new PodmanApiError(
          `Podman exec session failed: ${new TextDecoder().decode(f.data)}`,
          { method: START.method, path: START.path, status: 200 },
        );
      }
      if (f.stream === 2) {
        if (this.#errOpen) this.#err.enqueue(f.data);
      } else if (this.#outOpen) this.#out.enqueue(f.data);
    }
  }

  /** Closes both streams at a clean end; throws when the output ended inside a frame. */
  end(): void {
    if (this.#demux && this.#demux.pending > 0) {
      throw new SyntaxError(
        `Cannot demultiplex Podman exec output: it ended inside a frame with ${this.#demux.pending} bytes pending`,
      );
    }
    if (this.#outOpen) this.#out.close();
    if (this.#errOpen) this.#err.close();
  }

  /** Errors both streams. */
  fail(reason: unknown): void {
    if (this.#outOpen) this.#out.error(reason);
    if (this.#errOpen) this.#err.error(reason);
  }
}

/** Reads the connection into `output` until it ends; `cleanup` runs on every path. */
async function pump(
  conn: Deno.Conn,
  leftover: Uint8Array,
  output: SessionOutput,
  signal: AbortSignal | undefined,
  cleanup: () => void,
): Promise<void> {
  const buf = new Uint8Array(32 * 1024);
  try {
    if (leftover.length > 0) output.dispatch(leftover);
    while (true) {
      const n = await conn.read(buf);
      if (n === null) break;
      output.dispatch(buf.slice(0, n));
    }
    output.end();
  } catch (e) {
    const reason = signal?.aborted ? signal.reason : e;
    output.fail(reason);
    throw reason;
  } finally {
    cleanup();
  }
}

/** The session's stdin: writes go to the connection, close and abort half-close it. */
function sessionStdin(conn: Deno.Conn, isClosed: () => boolean): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: async (chunk) => {
      await writeAll(conn, chunk);
    },
    close: () => {
      if (!isClosed()) conn.closeWrite().catch(() => {});
    },
    abort: () => {
      if (!isClosed()) conn.closeWrite().catch(() => {});
    },
  });
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
