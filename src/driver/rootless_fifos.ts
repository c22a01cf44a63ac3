/**
 * Root plugin + rootless Podman socket (reference #510): hands the task's log
 * fifos to the socket's owner before the container starts, so that conmon
 * (running as that user) can open them.
 *
 * @module
 */
import { chownFifo, socketOwner } from "../logs/fifo_owner.ts";
import { FifoPathError } from "../logs/fifo.ts";
import { InvalidRequestError } from "./errors.ts";
import type { NomadTask } from "./task_request.ts";

/**
 * Chowns `stdout_path` and `stderr_path` to the owner of `socketPath` (no-op
 * when the plugin already is that user, or the socket is not a unix path).
 *
 * @throws {InvalidRequestError} naming the fifo field.
 */
export function handFifosToSocketOwner(
  task: Pick<NomadTask, "stdoutPath" | "stderrPath">,
  socketPath: string,
): void {
  const owner = socketOwner(socketPath);
  if (owner === undefined || owner.uid === (Deno.uid() ?? -1)) return;
  for (
    const [path, field] of [[task.stdoutPath, "stdout_path"], [task.stderrPath, "stderr_path"]]
  ) {
    try {
      chownFifo(path, field, owner);
    } catch (err) {
      if (err instanceof FifoPathError) throw new InvalidRequestError(field, err.message);
      throw err;
    }
  }
}
