/**
 * Pull-progress task events: Podman's pull stream lines become at most one
 * "Image … pull progress" event per interval (the first at once), annotated
 * with the layer, bytes and number of layers started.
 *
 * @module
 */

import type { PullReport } from "../podman/mod.ts";
import type { FlightContext } from "./image_flight.ts";

/** What a pull report's `stream` text tells about progress. */
export interface PullProgressInfo {
  /** Digest of the blob being copied (`sha256:…`), if the line names one. */
  layer?: string;
  /** Bytes copied so far, as Podman printed them (`12.5MiB`). */
  bytesDone?: string;
  /** Total bytes, as printed. */
  bytesTotal?: string;
}

/**
 * Extracts layer and byte information from one line of Podman's pull stream
 * (`Copying blob sha256:…`, optionally `… 1.2MiB / 3.4MiB`).
 *
 * @param line One `stream` line.
 * @returns What it names.
 */
export function parsePullProgress(line: string): PullProgressInfo {
  const out: PullProgressInfo = {};
  const blob = /Copying blob (?:sha256:)?([0-9a-f]{12,64})/i.exec(line);
  if (blob?.[1] !== undefined) out.layer = `sha256:${blob[1]}`;
  const bytes = /(\d+(?:\.\d+)?\s?[KMGT]?i?B)\s*\/\s*(\d+(?:\.\d+)?\s?[KMGT]?i?B)/.exec(line);
  if (bytes?.[1] !== undefined && bytes[2] !== undefined) {
    out.bytesDone = bytes[1].replace(/\s/g, "");
    out.bytesTotal = bytes[2].replace(/\s/g, "");
  }
  return out;
}

/** Throttles pull progress into task events (first report at once, then at most one per interval). */
export class ProgressThrottle {
  readonly #ref: string;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #ctx: Pick<FlightContext, "emit">;
  readonly #layers = new Set<string>();
  #last = Number.NEGATIVE_INFINITY;

  /**
   * @param ref The image being pulled (named in each event).
   * @param interval Minimum gap between two events, in ms.
   * @param now The clock.
   * @param ctx Where the events go.
   */
  constructor(
    ref: string,
    interval: number,
    now: () => number,
    ctx: Pick<FlightContext, "emit">,
  ) {
    this.#ref = ref;
    this.#interval = interval;
    this.#now = now;
    this.#ctx = ctx;
  }

  /** Takes one pull report; emits an event unless one was sent less than an interval ago. */
  report(report: PullReport): void {
    const line = report.stream.trim();
    if (line === "") return;
    const info = parsePullProgress(line);
    if (info.layer !== undefined) this.#layers.add(info.layer);
    const now = this.#now();
    if (now - this.#last < this.#interval) return;
    this.#last = now;
    this.#ctx.emit(`Image ${this.#ref} pull progress: ${line}`, {
      image: this.#ref,
      progress: line,
      layers_started: String(this.#layers.size),
      ...(info.layer !== undefined ? { layer: info.layer } : {}),
      ...(info.bytesDone !== undefined ? { bytes_done: info.bytesDone } : {}),
      ...(info.bytesTotal !== undefined ? { bytes_total: info.bytesTotal } : {}),
    });
  }
}
