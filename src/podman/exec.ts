/**
 * Exec sessions. Create, resize and inspect are ordinary calls. Start needs a
 * hijacked, bidirectional HTTP/1.1 connection, which fetch cannot give, so it
 * is written by hand on a raw connection (unix or TCP): the request, then the
 * response head, then the raw stream (8-byte framed unless TTY); that part
 * lives in `_exec_session.ts`.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeExecInspect, obj, str } from "./_decode.ts";
import { type ExecSession, type ExecStartOptions, startSession } from "./_exec_session.ts";
import { PodmanResponseError, PodmanTimeoutError } from "./errors.ts";
import type { ExecInspect } from "./types.ts";
import { sleepOrAbort } from "../common/mod.ts";

const CREATE: Endpoint<"json"> = {
  method: "POST",
  path: "/containers/{id}/exec",
  ok: [201],
  body: "json",
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

export type { ExecSession, ExecStartOptions } from "./_exec_session.ts";

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
  start(execId: string, options: ExecStartOptions = {}): Promise<ExecSession> {
    return startSession(this.#t, execId, options);
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
}
