/**
 * Exec sessions. Create, resize and inspect are ordinary calls. Start needs a
 * hijacked, bidirectional HTTP/1.1 connection, which fetch cannot give, so it
 * is written by hand on a raw connection (unix or TCP): the request, then the
 * response head, then the raw stream (8-byte framed unless TTY).
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeExecInspect, obj, str } from "./_decode.ts";
import { FrameDemuxer } from "./_multiplex.ts";
import { PodmanApiError, PodmanResponseError, PodmanTimeoutError } from "./errors.ts";
import type { ExecInspect } from "./types.ts";
import { sleepOrAbort } from "../common/mod.ts";

const CREATE: Endpoint<"json"> = {
  method: "POST",
  path: "/containers/{id}/exec",
  ok: [201],
  body: "json",
};
// Only used to build the path and classify errors: the call itself is raw.
const START: Endpoint<"none"> = {
  method: "POST",
  path: "/exec/{id}/start",
  ok: [101, 200],
  body: "none",
};
// The reference driver expected 201; Podman 4.3.1 answers 201, newer ones 200.
const RESIZE: Endpoint<"none"> = {
  method: "POST",
  path: "/exec/{id}/resize",
  ok: [200, 201, 204],
  body: "none",
};
const INSPECT: Endpoint<"json"> = {
  method: "GET",
  path: "/exec/{id}/json",
  ok: [200],
  body: "json",
};

/** Options of {@linkcode ExecApi.create}. */
export interface ExecCreateOptions {
  cmd: string[];
  /** @default false */
  tty?: boolean;
  /** @default false */
  attachStdin?: boolean;
  /** @default true */
  attachStdout?: boolean;
  /** @default true */
  attachStderr?: boolean;
  /** `KEY=value` entries. */
  env?: string[];
  user?: string;
  workingDir?: string;
  signal?: AbortSignal | undefined;
}

/** Options of {@linkcode ExecApi.start}. */
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

/** Exec calls. */
export class ExecApi {
  readonly #t: Transport;

  constructor(transport: Transport) {
    this.#t = transport;
  }

  /** Creates an exec session in a running container and returns its id. */
  async create(containerId: string, options: ExecCreateOptions): Promise<string> {
    const body: Record<string, unknown> = {
      Cmd: options.cmd,
      Tty: options.tty ?? false,
      AttachStdin: options.attachStdin ?? false,
      AttachStdout: options.attachStdout ?? true,
      AttachStderr: options.attachStderr ?? true,
    };
    if (options.env) body.Env = options.env;
    if (options.user) body.User = options.user;
    if (options.workingDir) body.WorkingDir = options.workingDir;
    const out = await this.#t.call(CREATE, {
      params: { id: containerId },
      body,
      signal: options.signal,
    });
    const id = str(obj(out.absent ? {} : out.body).Id);
    if (id === "") {
      throw new PodmanResponseError("Podman exec create answered without an 'Id'", {
        method: CREATE.method,
        path: CREATE.path,
        status: out.status,
      });
    }
    return id;
  }

  /** Starts an exec session on a raw connection and returns its streams. */
  async start(execId: string, options: ExecStartOptions = {}): Promise<ExecSession> {
    const tty = options.tty ?? false;
    const path = await this.#t.pathFor(START, { params: { id: execId } });
    options.signal?.throwIfAborted();
    const conn = await this.#t.connectRaw();
    let leftover: Uint8Array;
    try {
      const body = JSON.stringify({ Detach: false, Tty: tty });
      await writeAll(conn, encoder.encode(requestHead(this.#t, path, body) + body));
      leftover = await this.#readHead(conn, path, options.signal);
    } catch (err) {
      closeQuietly(conn);
      throw err;
    }
    return openSession(conn, leftover, tty, options);
  }

  /** Resizes the session's TTY. */
  async resize(
    execId: string,
    height: number,
    width: number,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.#t.call(RESIZE, {
      params: { id: execId },
      query: { h: Math.max(0, Math.trunc(height)), w: Math.max(0, Math.trunc(width)) },
      signal: options.signal,
    });
  }

  /**
   * Inspects a session.
   *
   * @throws {PodmanNotFoundError} when it does not exist.
   */
  async inspect(execId: string, options: { signal?: AbortSignal } = {}): Promise<ExecInspect> {
    const out = await this.#t.call(INSPECT, { params: { id: execId }, signal: options.signal });
    return decodeExecInspect(out.absent ? {} : out.body);
  }

  /**
   * Polls inspect until the session stopped running (its output can end a
   * moment before Podman records the exit code) and returns the exit code.
   */
  async waitExit(
    execId: string,
    options: { signal?: AbortSignal; timeoutMs?: number; pollMs?: number } = {},
  ): Promise<number> {
    const deadline = Date.now() + (options.timeoutMs ?? this.#t.timeoutMs);
    while (true) {
      const info = await this.inspect(execId, { ...options });
      if (!info.running && info.exitCode !== undefined) return info.exitCode;
      if (Date.now() > deadline) {
        const path = `${INSPECT.path.replace("{id}", execId)}`;
        throw new PodmanTimeoutError(`Podman exec session '${execId}' still runs`, {
          method: INSPECT.method,
          path,
          status: 200,
          timeoutMs: options.timeoutMs ?? this.#t.timeoutMs,
        });
      }
      await sleepOrAbort(options.pollMs ?? 50, options.signal);
    }
  }

  async #readHead(conn: Deno.Conn, path: string, signal: AbortSignal | undefined) {
    const timeoutMs = this.#t.timeoutMs;
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
      throw this.#t.statusError(START, path, status, text);
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

function openSession(
  conn: Deno.Conn,
  leftover: Uint8Array,
  tty: boolean,
  options: ExecStartOptions,
): ExecSession {
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let err!: ReadableStreamDefaultController<Uint8Array>;
  let outOpen = true;
  let errOpen = true;
  const stdout = new ReadableStream<Uint8Array>({
    start: (c) => void (out = c),
    cancel: () => void (outOpen = false),
  });
  const stderr = new ReadableStream<Uint8Array>({
    start: (c) => void (err = c),
    cancel: () => void (errOpen = false),
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    closeQuietly(conn);
  };
  const demux = tty ? undefined : new FrameDemuxer();
  const dispatch = (bytes: Uint8Array) => {
    if (!demux) {
      if (outOpen) out.enqueue(bytes);
      return;
    }
    for (const f of demux.push(bytes)) {
      if (f.stream === 3) {
        throw new PodmanApiError(
          `Podman exec session failed: ${new TextDecoder().decode(f.data)}`,
          { method: START.method, path: START.path, status: 200 },
        );
      }
      if (f.stream === 2) {
        if (errOpen) err.enqueue(f.data);
      } else if (outOpen) out.enqueue(f.data);
    }
  };
  const onAbort = () => close();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const pump = async () => {
    const buf = new Uint8Array(32 * 1024);
    try {
      if (leftover.length > 0) dispatch(leftover);
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        dispatch(buf.slice(0, n));
      }
      if (demux && demux.pending > 0) {
        throw new SyntaxError(
          `Cannot demultiplex Podman exec output: it ended inside a frame with ${demux.pending} bytes pending`,
        );
      }
      if (outOpen) out.close();
      if (errOpen) err.close();
    } catch (e) {
      const reason = options.signal?.aborted ? options.signal.reason : e;
      if (outOpen) out.error(reason);
      if (errOpen) err.error(reason);
      throw reason;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      close();
    }
  };
  const done = pump();
  done.catch(() => {}); // the caller may not await it
  const stdin = new WritableStream<Uint8Array>({
    write: async (chunk) => {
      await writeAll(conn, chunk);
    },
    close: () => {
      if (!closed) conn.closeWrite().catch(() => {});
    },
    abort: () => {
      if (!closed) conn.closeWrite().catch(() => {});
    },
  });
  if (options.stdin) options.stdin.pipeTo(stdin).catch(() => {});
  return { stdout, stderr, stdin, done, close };
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
