/**
 * Rootless Podman + Nomad's log fifos (reference #510): with the `nomad` log
 * mode, conmon runs as the socket's owner and must open the fifo Nomad (root)
 * made with mode 0600. So the fifo is handed to the socket owner first.
 *
 * Never follows a symlink and never touches anything but a fifo: the fifo is
 * opened with O_NOFOLLOW|O_NONBLOCK (read end: opening it never blocks), the
 * descriptor is checked to be a fifo, and only that descriptor is fchown'ed,
 * so a path swapped for a symlink or a hard link to another file cannot make
 * the plugin chown it.
 *
 * @module
 */
import fs from "node:fs";
import { DEV_NULL, FifoPathError, openFifoReadEnd } from "./fifo.ts";

/** Who must be able to open the fifos. */
export interface FifoOwner {
  uid: number;
  gid: number;
}

/**
 * The owner of a unix socket file (the rootless user running that Podman),
 * or `undefined` when it cannot be told (not a unix path).
 */
export function socketOwner(socketPath: string): FifoOwner | undefined {
  const path = socketPath.replace(/^unix:\/\//, "");
  if (!path.startsWith("/")) return undefined;
  try {
    const info = Deno.statSync(path);
    if (info.uid === null || info.gid === null) return undefined;
    return { uid: info.uid, gid: info.gid };
  } catch {
    return undefined;
  }
}

/**
 * Gives the fifo at `path` to `owner` (no-op for `""` and `/dev/null`, or when
 * it already belongs to them).
 *
 * @throws {FifoPathError} naming `field` when it is not a fifo, is a symlink,
 * or cannot be changed.
 */
export function chownFifo(path: string, field: string, owner: FifoOwner): void {
  if (path === "" || path === DEV_NULL) return;
  const { fd, stat: st } = openFifoReadEnd(path, field);
  try {
    if (st.uid === owner.uid && st.gid === owner.gid) return;
    fs.fchownSync(fd, owner.uid, owner.gid);
  } catch (err) {
    if (err instanceof FifoPathError) throw err;
    throw new FifoPathError(
      field,
      path,
      `cannot give it to uid ${owner.uid} gid ${owner.gid} (the rootless Podman socket's owner): ${
        (err as Error).message
      }`,
    );
  } finally {
    fs.closeSync(fd);
  }
}
