/**
 * Log collection: Nomad's fifos and the journald log streamer.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import {
  type JournaldStreamOptions,
  type LogSource,
  type StreamEnd,
  streamJournaldLogs,
} from "./journald.ts";
import { canReadJournal, journalLogSource } from "./journal_source.ts";

export {
  checkFifoPath,
  DEV_NULL,
  FifoClosedError,
  FifoNoReaderError,
  FifoPathError,
  FifoWriter,
  type LogSinkFile,
  NullSink,
  openLogSink,
  openLogSinkWhenRead,
} from "./fifo.ts";
export { LogCursor, splitTimestamp } from "./cursor.ts";
export { type HeldFifo, holdFifoForConmon } from "./fifo_wait.ts";
export {
  type JournaldStreamOptions,
  type LogSource,
  type StreamEnd,
  streamJournaldLogs,
  type TimedChunk,
} from "./journald.ts";

/** The parts of a task handle the streamer needs. */
export interface StreamableTask {
  client: LogSource & { socketPath: string };
  containerId: string;
  state: { logDriver: "nomad" | "journald"; logCollectionDisabled: boolean };
  lifetime: AbortController;
  /** Resolves when the task has exited. */
  wait(signal?: AbortSignal): Promise<unknown>;
}

/**
 * Starts streaming a task's journald log into its fifos in the background
 * when the task logs to journald and collection is on; otherwise does
 * nothing. Stops when the task's lifetime is aborted (DestroyTask).
 *
 * @param reader `podman` always reads Podman's logs endpoint; `auto` reads
 *   the journal itself where it can (see journal_source.ts).
 * @param since skip lines before this time (recovery); omit for a new container.
 * @returns the streamer's end, or `undefined` when nothing was started. Never rejects.
 */
export function startLogStreaming(
  handle: StreamableTask,
  task: { stdoutPath: string; stderrPath: string },
  logger: Logger,
  liveness: JournaldStreamOptions["liveness"],
  reader: "auto" | "podman",
  since?: Date,
): Promise<StreamEnd> | undefined {
  if (handle.state.logDriver !== "journald" || handle.state.logCollectionDisabled) return undefined;
  const log = logger.named("logs");
  // The journal itself where the plugin can read it (1.1-1.3x the endpoint's throughput in
  // the bench, and no break when Podman restarts), else Podman's endpoint.
  const source = reader === "auto" && canReadJournal(handle.client.socketPath)
    ? journalLogSource({
      fallback: handle.client,
      exited: handle.wait(handle.lifetime.signal),
      logger: log,
    })
    : handle.client;
  return streamJournaldLogs({
    source,
    containerId: handle.containerId,
    stdoutPath: task.stdoutPath,
    stderrPath: task.stderrPath,
    since,
    signal: handle.lifetime.signal,
    logger: log,
    liveness,
  });
}
export { chownFifo, socketOwner } from "./fifo_owner.ts";
