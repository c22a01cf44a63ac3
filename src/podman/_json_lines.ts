/**
 * Line-delimited JSON decoding of a streaming Podman body (events, stats,
 * pull reports: Go's `json.Encoder` writes one object per line).
 *
 * @module
 */

import { PodmanResponseError } from "./errors.ts";

/** Where the stream came from, for error messages. */
export interface StreamOrigin {
  method: string;
  path: string;
}

/**
 * Yields each non-empty line of a stream (without the newline). The stream is
 * always fully read or cancelled when iteration ends, whether normally, by
 * `break`, or by an error.
 */
export async function* textLines(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        buf += decoder.decode();
        const last = buf.trim();
        if (last !== "") yield last;
        return;
      }
      buf += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line !== "") yield line;
      }
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Yields each JSON value of a line-delimited stream, with cancellation as
 * {@linkcode textLines}.
 *
 * @throws {PodmanResponseError} when a line is not valid JSON (e.g. truncated).
 */
export async function* jsonLines(
  body: ReadableStream<Uint8Array>,
  origin: StreamOrigin,
): AsyncGenerator<unknown, void, undefined> {
  for await (const line of textLines(body)) yield parseJsonLine(line, origin);
}

/**
 * Parses one streamed line.
 *
 * @throws {PodmanResponseError} when it is not valid JSON.
 */
export function parseJsonLine(line: string, origin: StreamOrigin): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    throw new PodmanResponseError(
      `Podman ${origin.method} ${origin.path} streamed a line that is not JSON: '${
        line.slice(0, 120)
      }'`,
      { method: origin.method, path: origin.path, status: 200, cause: err },
    );
  }
}
