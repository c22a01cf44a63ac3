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
} from "./journald.ts";

/** The parts of a task handle the streamer needs. */
export interface StreamableTask {
  client: LogSource;
  containerId: string;
  state: { logDriver: "nomad" | "journald"; logCollectionDisabled: boolean };
  lifetime: AbortController;
}

/**
 * Starts streaming a task's journald log into its fifos in the background
 * when the task logs to journald and collection is on; otherwise does
 * nothing. Stops when the task's lifetime is aborted (DestroyTask).
 *
 * @param since skip lines before this time (recovery); omit for a new container.
 * @returns the streamer's end, or `undefined` when nothing was started. Never rejects.
 */
export function startLogStreaming(
  handle: StreamableTask,
  task: { stdoutPath: string; stderrPath: string },
  logger: Logger,
  liveness: JournaldStreamOptions["liveness"],
  since?: Date,
): Promise<StreamEnd> | undefined {
  if (handle.state.logDriver !== "journald" || handle.state.logCollectionDisabled) return undefined;
  return streamJournaldLogs({
    source: handle.client,
    containerId: handle.containerId,
    stdoutPath: task.stdoutPath,
    stderrPath: task.stderrPath,
    since,
    signal: handle.lifetime.signal,
    logger: logger.named("logs"),
    liveness,
  });
}
export { chownFifo, socketOwner } from "./fifo_owner.ts";
