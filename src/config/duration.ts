/**
 * Go `time.ParseDuration` syntax: `300ms`, `1h2m3.5s`, `-1.5h`, `5us`, `0`.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  "µs": 1e-3, // U+00B5
  "μs": 1e-3, // U+03BC
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;

/** Parses a Go duration into milliseconds; undefined when `text` is not one. */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  while (rest !== "") {
    const m = PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}

/** The longest duration a timer can hold (setTimeout fires at once beyond 2^31-1 ms). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** Options of {@link durationField}. */
export interface DurationOptions {
  /** Refuse zero (timeouts and periods: zero would fire at once or spin). */
  positive?: boolean;
}

/**
 * Parses a non-negative Go duration option of at most {@link MAX_DURATION_MS};
 * throws {@link ConfigError} naming `field`.
 */
export function durationField(field: string, text: string, opts: DurationOptions = {}): number {
  const ms = parseGoDuration(text);
  if (ms === undefined || !Number.isFinite(ms)) {
    throw new ConfigError(field, text, 'not a duration (Go syntax, e.g. "30s", "1m30s", "300ms")');
  }
  if (ms < 0) throw new ConfigError(field, text, "duration must not be negative");
  if (opts.positive && ms <= 0) throw new ConfigError(field, text, "duration must be positive");
  if (ms > MAX_DURATION_MS) {
    throw new ConfigError(field, text, "duration is too long (at most 596h)");
  }
  return ms;
}
