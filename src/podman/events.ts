/**
 * The event stream: one long-lived request, line-delimited JSON.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeEvent } from "./_decode.ts";
import { parseJsonLine, textLines } from "./_json_lines.ts";
import type { PodmanEvent } from "./types.ts";

const EVENTS: Endpoint<"stream"> = {
  method: "GET",
  path: "/events",
  ok: [200],
  body: "stream",
  timeout: "head",
};

/** Options of {@linkcode streamEvents}. */
export interface EventsOptions {
  /** libpod filters, e.g. `{type: ["container"], event: ["died", "oom"], label: ["a=b"]}`. */
  filters?: Record<string, string[]>;
  /** Replay events since this time (Date, or a unix-seconds / RFC 3339 string). */
  since?: Date | string | undefined;
  /** Stop at this time; without it the stream follows new events. */
  until?: Date | string | undefined;
  /** Ends the stream (the iterator then finishes by throwing the abort reason). */
  signal?: AbortSignal | undefined;
}

function timeParam(t: Date | string | undefined): string | undefined {
  if (t === undefined) return undefined;
  if (typeof t === "string") return t;
  return (t.getTime() / 1000).toFixed(3).replace(/\.?0+$/, "");
}

/**
 * Streams Podman events until the signal aborts or the server ends the stream.
 * Breaking out of the loop cancels the request.
 */
export async function* streamEvents(
  t: Transport,
  options: EventsOptions = {},
): AsyncGenerator<PodmanEvent, void, undefined> {
  const call = {
    query: {
      stream: true,
      filters: options.filters ? JSON.stringify(options.filters) : undefined,
      since: timeParam(options.since),
      until: timeParam(options.until),
    },
    signal: options.signal,
  };
  const path = await t.pathFor(EVENTS, call);
  const out = await t.call(EVENTS, call);
  if (out.absent) return;
  const origin = { method: EVENTS.method, path };
  for await (const line of textLines(out.body)) {
    yield decodeEvent(parseJsonLine(line, origin), line);
  }
}
