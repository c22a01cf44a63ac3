/**
 * hclog-style JSON logging on stderr.
 *
 * Nomad's go-plugin client parses each stderr line as an hclog JSON object:
 * `@level`, `@message` and `@timestamp` must be strings, and the timestamp
 * needs exactly six fractional digits or the line loses its level.
 *
 * @module
 */

/** hclog levels, lowest first. */
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

const LEVEL_ORDER: Record<LogLevel, number> = {
  trace: 0,
  debug: 1,
  info: 2,
  warn: 3,
  error: 4,
};

/** Extra key/value pairs for one log line. Values must be JSON-serialisable. */
export type LogFields = Record<string, unknown>;

/** Where encoded lines go; replaceable in tests. */
export interface LogSink {
  write(line: string): void;
}

const encoder = new TextEncoder();

/** Writes synchronously to the process's stderr, so no line is lost on exit. */
export class StderrSink implements LogSink {
  write(line: string): void {
    const bytes = encoder.encode(line);
    let off = 0;
    while (off < bytes.length) {
      try {
        off += Deno.stderr.writeSync(bytes.subarray(off));
      } catch {
        return; // stderr closed: nothing sensible left to do
      }
    }
  }
}

/** Formats a date as hclog's `2006-01-02T15:04:05.000000Z07:00` (UTC, six fractional digits). */
export function hclogTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2026-05-01T09:30:00.123Z
  return `${iso.slice(0, 23)}000Z`;
}

/** Keys that name secrets: their values are never written. */
const SECRET_KEY = /pass(word)?|secret|token|auth(_?header)?$|credential/i;

function scrub(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (k.startsWith("@")) continue; // reserved hclog keys stay ours
    if (SECRET_KEY.test(k)) {
      out[k] = "<redacted>";
    } else if (v instanceof Error) {
      out[k] = v.message;
    } else if (typeof v === "bigint") {
      out[k] = v.toString();
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** A named hclog logger. */
export class Logger {
  readonly #module: string;
  readonly #sink: LogSink;
  readonly #min: number;

  constructor(module: string, options: { sink?: LogSink; level?: LogLevel } = {}) {
    this.#module = module;
    this.#sink = options.sink ?? new StderrSink();
    this.#min = LEVEL_ORDER[options.level ?? levelFromEnv()];
  }

  /** A logger for a sub-module (`podman.client`), sharing sink and level. */
  named(sub: string): Logger {
    const level = (Object.keys(LEVEL_ORDER) as LogLevel[]).find((l) =>
      LEVEL_ORDER[l] === this.#min
    );
    return new Logger(`${this.#module}.${sub}`, {
      sink: this.#sink,
      ...(level ? { level } : {}),
    });
  }

  log(level: LogLevel, message: string, fields: LogFields = {}): void {
    if (LEVEL_ORDER[level] < this.#min) return;
    const entry = {
      "@level": level,
      "@message": String(message),
      "@module": this.#module,
      "@timestamp": hclogTimestamp(new Date()),
      ...scrub(fields),
    };
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch {
      line = JSON.stringify({
        "@level": level,
        "@message": String(message),
        "@module": this.#module,
        "@timestamp": entry["@timestamp"],
      });
    }
    this.#sink.write(line + "\n");
  }

  trace(message: string, fields?: LogFields): void {
    this.log("trace", message, fields);
  }
  debug(message: string, fields?: LogFields): void {
    this.log("debug", message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.log("info", message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.log("warn", message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.log("error", message, fields);
  }
}

function levelFromEnv(): LogLevel {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("NOMAD_DRIVER_PODMAN_LOG_LEVEL")?.toLowerCase();
  } catch {
    raw = undefined;
  }
  return raw && raw in LEVEL_ORDER ? raw as LogLevel : "debug";
}

/** The plugin's root logger, module `podman`. */
export const rootLogger: Logger = new Logger("podman");
