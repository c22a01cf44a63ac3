/**
 * Container logs over the API (used with the journald log driver).
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { demuxFrames } from "./_multiplex.ts";
import { PodmanApiError } from "./errors.ts";
import type { LogChunk } from "./types.ts";

const LOGS: Endpoint<"stream"> = {
  method: "GET",
  path: "/containers/{id}/logs",
  ok: [200],
  body: "stream",
  timeout: "head",
};

/** Options of {@linkcode streamLogs}. */
export interface LogsOptions {
  /** Keep streaming new output. @default false */
  follow?: boolean;
  /** Only output since this time (second resolution on Podman's side). */
  since?: Date | undefined;
  /** @default true */
  stdout?: boolean;
  /** @default true */
  stderr?: boolean;
  /**
   * Prefix each line with its time (`<RFC3339> `; Podman 4.3 gives whole
   * seconds). @default false
   */
  timestamps?: boolean;
  /** The container has a TTY: output is raw, not framed, and all of it is stdout. */
  tty?: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Streams a container's log output as demultiplexed chunks. Breaking out of
 * the loop cancels the request.
 *
 * @throws {PodmanApiError} when Podman sends an error frame (stream 3).
 */
export async function* streamLogs(
  t: Transport,
  id: string,
  options: LogsOptions = {},
): AsyncGenerator<LogChunk, void, undefined> {
  const call = {
    params: { id },
    query: {
      follow: options.follow ?? false,
      since: options.since ? String(Math.floor(options.since.getTime() / 1000)) : undefined,
      stdout: options.stdout ?? true,
      stderr: options.stderr ?? true,
      timestamps: options.timestamps ? true : undefined,
    },
    signal: options.signal,
  };
  const path = await t.pathFor(LOGS, call);
  const out = await t.call(LOGS, call);
  if (out.absent) return;
  if (options.tty) {
    const reader = out.body.getReader();
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) return;
        yield { stream: "stdout", data: value };
      }
    } finally {
      await reader.cancel().catch(() => {});
    }
  }
  for await (const frame of demuxFrames(out.body)) {
    if (frame.stream === 3) {
      const text = new TextDecoder().decode(frame.data);
      throw new PodmanApiError(`Podman log stream of container '${id}' failed: ${text}`, {
        method: LOGS.method,
        path,
        status: out.status,
        podmanMessage: text,
      });
    }
    yield { stream: frame.stream === 2 ? "stderr" : "stdout", data: frame.data };
  }
}
