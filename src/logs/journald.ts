/**
 * The journald log streamer: follows a container's logs endpoint and writes
 * stdout lines to Nomad's stdout fifo and stderr lines to its stderr fifo,
 * byte for byte (no newline added: #339).
 *
 * A broken stream (Podman service restarted, connection reset) is resumed
 * from the last line written, without duplicates or gaps (see
 * {@linkcode LogCursor}). The streamer ends when the container has exited and
 * its log is drained, when the container is removed, or when `signal` aborts
 * (DestroyTask). It never rejects.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { LogsOptions } from "../podman/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import type { ContainerState, LogChunk } from "../podman/mod.ts";
import { LogCursor, splitTimestamp } from "./cursor.ts";
import { FifoClosedError, FifoPathError, type LogSinkFile, openLogSinkWhenRead } from "./fifo.ts";
import { errorMessage, sleep } from "../common/mod.ts";

/**
 * A log chunk; `second` (whole seconds since the epoch) when the source knows
 * the line's time itself, else it is parsed from the `timestamps=true` prefix.
 */
export type TimedChunk = LogChunk & { second?: number };

/** What the streamer needs from a Podman client (or the direct journal reader). */
export interface LogSource {
  logs(id: string, options: LogsOptions): AsyncIterable<TimedChunk>;
  containers: {
    inspect(id: string, options?: { signal?: AbortSignal }): Promise<{ state: ContainerState }>;
  };
}

/** Options of {@linkcode streamJournaldLogs}. */
export interface JournaldStreamOptions {
  source: LogSource;
  containerId: string;
  stdoutPath: string;
  stderrPath: string;
  /** Skip lines before this time (second resolution); `undefined` streams the whole log. */
  since?: Date | undefined;
  /** Ends the streamer (the task was destroyed). */
  signal: AbortSignal;
  logger: Logger;
  /** Wait between attempts after a broken stream. @default { minMs: 250, maxMs: 5000 } */
  retry?: { minMs: number; maxMs: number };
  /** Poll interval while a fifo has no reader. @default 1000 */
  fifoRetryMs?: number;
  /** Timeout of the inspect call that decides whether the container is still running. @default 10000 */
  inspectTimeoutMs?: number;
  /**
   * The driver's container-state classifier (one for the whole plugin): is
   * the container still alive (keep following) or dead (drain and end)?
   */
  liveness: (state: ContainerState) => "running" | "exited" | "removed";
}

/** Why the streamer ended. */
export type StreamEnd = "drained" | "aborted" | "removed" | "fifo-refused";

/** Plain reads tried after the exit before giving up on the rest of the log. */
const MAX_DRAIN_ATTEMPTS = 5;

type Liveness = "running" | "exited" | "removed" | "unknown";

/** How one logs request ended: its end, an error, or the reader of a fifo left. */
type AttemptEnd = "eof" | "error" | "fifo-closed";

/**
 * Streams the container's journald log into the two fifos until it is
 * drained after the exit, the container is removed, or `signal` aborts.
 */
export function streamJournaldLogs(options: JournaldStreamOptions): Promise<StreamEnd> {
  return new JournaldStreamer(options).run();
}

/** One task's streamer: its fifos, its cursor and its retry state. */
class JournaldStreamer {
  readonly #o: JournaldStreamOptions;
  readonly #log: Logger;
  readonly #retry: { minMs: number; maxMs: number };
  readonly #cursor: LogCursor;
  readonly #sinks: { stdout?: LogSinkFile | undefined; stderr?: LogSinkFile | undefined } = {};
  readonly #fields: { container: string };
  #backoff: number;

  constructor(options: JournaldStreamOptions) {
    this.#o = options;
    this.#log = options.logger;
    this.#retry = options.retry ?? { minMs: 250, maxMs: 5000 };
    this.#backoff = this.#retry.minMs;
    this.#cursor = new LogCursor(options.since);
    this.#fields = { container: options.containerId.slice(0, 12) };
  }

  async run(): Promise<StreamEnd> {
    const { signal } = this.#o;
    try {
      return await this.#loop();
    } catch (err) {
      this.#log.error("log streaming failed", { ...this.#fields, error: errorMessage(err) });
      return signal.aborted ? "aborted" : "drained";
    } finally {
      this.#sinks.stdout?.close();
      this.#sinks.stderr?.close();
    }
  }

  async #loop(): Promise<StreamEnd> {
    const { signal } = this.#o;
    let follow = true;
    let drainFailures = 0;
    while (!signal.aborted) {
      const sinks = await this.#openSinks();
      if (sinks !== "open") return sinks === "refused" ? "fifo-refused" : "aborted";
      const ended = await this.#attempt(follow);
      if (signal.aborted) break;
      if (ended === "fifo-closed") continue;
      const state = await this.#liveness();
      if (state === "removed") {
        this.#log.debug("the container is gone; log stream ends", this.#fields);
        return "removed";
      }
      if (state === "exited") {
        if (!follow && ended === "eof") return "drained";
        if (!follow) {
          if (++drainFailures >= MAX_DRAIN_ATTEMPTS) {
            this.#log.warn("cannot read the rest of the log of an exited container", this.#fields);
            return "drained";
          }
          await this.#pause();
        }
        // One last plain read from the cursor picks up whatever a broken
        // follow stream missed; lines already written are skipped.
        follow = false;
        continue;
      }
      if (state === "running" && ended === "eof") {
        this.#log.debug("the log stream ended while the container runs; resuming", this.#fields);
      }
      follow = true;
      await this.#pause();
    }
    return "aborted";
  }

  async #pause(): Promise<void> {
    await sleep(this.#backoff, this.#o.signal);
    this.#backoff = Math.min(this.#backoff * 2, this.#retry.maxMs);
  }

  /** Opens the fifos not open yet (each waits for its reader): `closed` when aborted meanwhile. */
  async #openSinks(): Promise<"open" | "closed" | "refused"> {
    try {
      if (!this.#sinks.stdout && !(await this.#open("stdout"))) return "closed";
      if (!this.#sinks.stderr && !(await this.#open("stderr"))) return "closed";
      return "open";
    } catch (err) {
      if (err instanceof FifoPathError) {
        this.#log.error("not streaming the task's logs", { ...this.#fields, error: err.message });
        return "refused";
      }
      throw err;
    }
  }

  async #open(which: "stdout" | "stderr"): Promise<LogSinkFile | undefined> {
    const path = which === "stdout" ? this.#o.stdoutPath : this.#o.stderrPath;
    const field = which === "stdout" ? "stdout_path" : "stderr_path";
    const sink = await openLogSinkWhenRead(path, field, {
      signal: this.#o.signal,
      retryMs: this.#o.fifoRetryMs ?? 1000,
      onWaiting: () =>
        this.#log.debug("waiting for a reader of the log fifo", { ...this.#fields, path }),
    });
    this.#sinks[which] = sink;
    return sink;
  }

  /** One logs request from the cursor, written to the fifos until it ends or breaks. */
  async #attempt(follow: boolean): Promise<AttemptEnd> {
    const { source, containerId, signal } = this.#o;
    const attempt = new AbortController();
    try {
      this.#cursor.beginRequest();
      const chunks = source.logs(containerId, {
        follow,
        since: this.#cursor.since,
        timestamps: true,
        stdout: true,
        stderr: true,
        signal: AbortSignal.any([signal, attempt.signal]),
      });
      let progressed = false;
      for await (const chunk of chunks) {
        await this.#deliver(chunk);
        if (!progressed) {
          progressed = true;
          this.#backoff = this.#retry.minMs;
        }
      }
      return "eof";
    } catch (err) {
      if (signal.aborted) return "error";
      if (err instanceof FifoClosedError) {
        // logmon went away: reopen when a reader is back; the line is written again then.
        this.#log.warn("the reader of a log fifo went away; waiting for a new one", {
          ...this.#fields,
          path: err.path,
        });
        const which = err.field === "stderr_path" ? "stderr" : "stdout";
        this.#sinks[which]?.close();
        this.#sinks[which] = undefined;
        return "fifo-closed";
      }
      this.#log.debug("the log stream broke; resuming", {
        ...this.#fields,
        error: errorMessage(err),
        since: this.#cursor.since?.toISOString(),
      });
      return "error";
    } finally {
      attempt.abort();
    }
  }

  /** Writes a chunk's line to its stream's fifo unless the cursor says it was written already. */
  async #deliver(chunk: TimedChunk): Promise<void> {
    const sink = chunk.stream === "stderr" ? this.#sinks.stderr : this.#sinks.stdout;
    const parsed = chunk.second === undefined
      ? splitTimestamp(chunk.data)
      : { second: chunk.second, message: chunk.data };
    if (!parsed) {
      // Not expected with timestamps=true; deliver rather than drop.
      await sink?.write(chunk.data, this.#o.signal);
      return;
    }
    if (this.#cursor.isNew(parsed.second)) await sink?.write(parsed.message, this.#o.signal);
    this.#cursor.advance(parsed.second);
  }

  async #liveness(): Promise<Liveness> {
    const { source, containerId, signal } = this.#o;
    try {
      const { state } = await source.containers.inspect(containerId, {
        signal: AbortSignal.any([
          signal,
          AbortSignal.timeout(this.#o.inspectTimeoutMs ?? 10_000),
        ]),
      });
      return this.#o.liveness(state);
    } catch (err) {
      if (err instanceof PodmanNotFoundError) return "removed";
      return "unknown";
    }
  }
}
