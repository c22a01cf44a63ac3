/**
 * Root plugin + rootless Podman socket (reference #510): hands the task's log
 * fifos to the socket's owner before the container starts, so that conmon
 * (running as that user) can open them.
 *
 * @module
 */
import { chownFifo, socketOwner } from "../logs/mod.ts";
import { FifoPathError } from "../logs/mod.ts";
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
    if (!path || path === "/dev/null") continue;
    const blocked = untraversableDir(path, owner);
    if (blocked) {
      throw new InvalidRequestError(
        field,
        `the rootless Podman socket's owner (uid ${owner.uid}) cannot reach ${path}: ` +
          `${blocked.dir} has mode 0${(blocked.mode & 0o777).toString(8)}; Nomad's alloc dirs ` +
          `must be traversable (e.g. 0755)`,
      );
    }
    try {
      chownFifo(path, field, owner);
    } catch (err) {
      if (err instanceof FifoPathError) throw new InvalidRequestError(field, err.message);
      throw err;
    }
  }
}

/**
 * The first directory above `path` that `owner` cannot search, walking up
 * while the profile lets the plugin look (a directory it may not stat ends
 * the walk: it cannot be checked here, and Podman reports it).
 */
export function untraversableDir(
  path: string,
  owner: { uid: number; gid: number },
): { dir: string; mode: number } | undefined {
  let dir = path.slice(0, path.lastIndexOf("/"));
  while (dir !== "") {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(dir);
    } catch {
      return undefined;
    }
    const mode = info.mode ?? 0o755;
    const can = info.uid === owner.uid
      ? (mode & 0o100) !== 0
      : info.gid === owner.gid
      ? (mode & 0o010) !== 0
      : (mode & 0o001) !== 0;
    if (!can) return { dir, mode };
    dir = dir.slice(0, dir.lastIndexOf("/"));
  }
  return undefined;
}
