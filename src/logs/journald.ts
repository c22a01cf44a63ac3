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

/** What the streamer needs from a Podman client. */
export interface LogSource {
  logs(id: string, options: LogsOptions): AsyncIterable<LogChunk>;
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

function describe(err: unknown): string {
  return errorMessage(err);
}

/**
 * Streams the container's journald log into the two fifos until it is
 * drained after the exit, the container is removed, or `signal` aborts.
 */
export async function streamJournaldLogs(options: JournaldStreamOptions): Promise<StreamEnd> {
  const { source, containerId, signal } = options;
  const log = options.logger;
  const retry = options.retry ?? { minMs: 250, maxMs: 5000 };
  const cursor = new LogCursor(options.since);
  const sinks: { stdout?: LogSinkFile | undefined; stderr?: LogSinkFile | undefined } = {};
  const fields = { container: containerId.slice(0, 12) };

  const open = async (which: "stdout" | "stderr"): Promise<LogSinkFile | undefined> => {
    const path = which === "stdout" ? options.stdoutPath : options.stderrPath;
    const field = which === "stdout" ? "stdout_path" : "stderr_path";
    const sink = await openLogSinkWhenRead(path, field, {
      signal,
      retryMs: options.fifoRetryMs ?? 1000,
      onWaiting: () => log.debug("waiting for a reader of the log fifo", { ...fields, path }),
    });
    sinks[which] = sink;
    return sink;
  };

  const liveness = async (): Promise<Liveness> => {
    try {
      const { state } = await source.containers.inspect(containerId, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.inspectTimeoutMs ?? 10_000)]),
      });
      return options.liveness(state);
    } catch (err) {
      if (err instanceof PodmanNotFoundError) return "removed";
      return "unknown";
    }
  };

  let follow = true;
  let drainFailures = 0;
  let backoff = retry.minMs;
  try {
    while (!signal.aborted) {
      try {
        if (!sinks.stdout && !(await open("stdout"))) break;
        if (!sinks.stderr && !(await open("stderr"))) break;
      } catch (err) {
        if (err instanceof FifoPathError) {
          log.error("not streaming the task's logs", { ...fields, error: err.message });
          return "fifo-refused";
        }
        throw err;
      }
      const attempt = new AbortController();
      const attemptSignal = AbortSignal.any([signal, attempt.signal]);
      let ended: "eof" | "error" = "eof";
      let progressed = false;
      try {
        cursor.beginRequest();
        const chunks = source.logs(containerId, {
          follow,
          since: cursor.since,
          timestamps: true,
          stdout: true,
          stderr: true,
          signal: attemptSignal,
        });
        for await (const chunk of chunks) {
          const sink = chunk.stream === "stderr" ? sinks.stderr : sinks.stdout;
          const parsed = splitTimestamp(chunk.data);
          if (!parsed) {
            // Not expected with timestamps=true; deliver rather than drop.
            await sink?.write(chunk.data, signal);
            continue;
          }
          if (cursor.isNew(parsed.second)) await sink?.write(parsed.message, signal);
          cursor.advance(parsed.second);
          if (!progressed) {
            progressed = true;
            backoff = retry.minMs;
          }
        }
      } catch (err) {
        if (signal.aborted) break;
        ended = "error";
        if (err instanceof FifoClosedError) {
          // logmon went away: reopen when a reader is back; the line is written again then.
          log.warn("the reader of a log fifo went away; waiting for a new one", {
            ...fields,
            path: err.path,
          });
          const which = err.field === "stderr_path" ? "stderr" : "stdout";
          sinks[which]?.close();
          sinks[which] = undefined;
          continue;
        }
        log.debug("the log stream broke; resuming", {
          ...fields,
          error: describe(err),
          since: cursor.since?.toISOString(),
        });
      } finally {
        attempt.abort();
      }
      if (signal.aborted) break;
      const state = await liveness();
      if (state === "removed") {
        log.debug("the container is gone; log stream ends", fields);
        return "removed";
      }
      if (state === "exited") {
        if (!follow && ended === "eof") return "drained";
        if (!follow) {
          if (++drainFailures >= MAX_DRAIN_ATTEMPTS) {
            log.warn("cannot read the rest of the log of an exited container", fields);
            return "drained";
          }
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, retry.maxMs);
        }
        // One last plain read from the cursor picks up whatever a broken
        // follow stream missed; lines already written are skipped.
        follow = false;
        continue;
      }
      if (state === "running" && ended === "eof") {
        log.debug("the log stream ended while the container runs; resuming", fields);
      }
      follow = true;
      await sleep(backoff, signal);
      backoff = Math.min(backoff * 2, retry.maxMs);
    }
    return "aborted";
  } catch (err) {
    log.error("log streaming failed", { ...fields, error: describe(err) });
    return signal.aborted ? "aborted" : "drained";
  } finally {
    sinks.stdout?.close();
    sinks.stderr?.close();
  }
}
