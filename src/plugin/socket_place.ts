/**
 * Where the go-plugin socket lives, and how it is bound under a scoped
 * permission set.
 *
 * Deno grants a unix socket only by its exact path (`--allow-net=unix:<path>`),
 * but each plugin instance needs a unique socket path. So the socket is bound
 * at a fixed name in its directory ({@link PLUGIN_BIND_NAME}, the one the
 * profile grants) and then renamed to its unique name (a bound socket keeps
 * working after a rename). Concurrent starts take turns through an flock on
 * a lock file next to it, which the kernel releases if a plugin dies.
 *
 * @module
 */
import { PLUGIN_BIND_NAME } from "../profile/mod.ts";
import { isNotCapable, ProfileDeniedError } from "../profile/mod.ts";

/** Where the listening socket lives and how to clean it up. */
export interface SocketPlace {
  /** The unique path announced in the handshake. */
  path: string;
  /** The directory granted by the profile (`plugin_socket_dir`). */
  dir: string;
  cleanup: () => void;
}

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  return Array.from(bytes, (b) => b.toString().padStart(3, "0")).join("");
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}

/**
 * Chooses the socket path like go-plugin: `<PLUGIN_UNIX_SOCKET_DIR>/plugin<random>`
 * when set, else `<temp dir>/plugin<random>/plugin.sock`.
 *
 * @throws {ProfileDeniedError} when the profile does not grant the directory.
 */
export function chooseSocketPlace(env: (key: string) => string | undefined): SocketPlace {
  const dir = env("PLUGIN_UNIX_SOCKET_DIR")?.replace(/\/+$/, "");
  if (dir) {
    const path = `${dir}/plugin${randomSuffix()}`;
    return { path, dir, cleanup: () => removeQuietly(path) };
  }
  let privateDir: string;
  try {
    privateDir = Deno.makeTempDirSync({ prefix: "plugin" });
  } catch (err) {
    if (isNotCapable(err)) {
      throw new ProfileDeniedError(
        "the temp dir for the go-plugin socket",
        "$TMPDIR or /tmp",
        "plugin_socket_dir",
        { cause: err },
      );
    }
    throw err;
  }
  const path = `${privateDir}/plugin.sock`;
  const parent = privateDir.slice(0, privateDir.lastIndexOf("/")) || "/";
  return {
    path,
    dir: parent,
    cleanup: () => {
      removeQuietly(path);
      removeQuietly(privateDir);
    },
  };
}

/**
 * Binds through `bind(path)` at the fixed bind path of `place.dir`, then
 * renames the socket to `place.path`. One instance at a time per directory.
 *
 * @throws {ProfileDeniedError} when the profile does not grant the directory.
 */
export async function bindAtPlace(
  place: SocketPlace,
  bind: (path: string) => Promise<void>,
): Promise<void> {
  const bindPath = `${place.dir}/${PLUGIN_BIND_NAME}`;
  const lockPath = `${bindPath}.lock`;
  let lock: Deno.FsFile;
  try {
    lock = openLock(lockPath);
  } catch (err) {
    if (isNotCapable(err)) {
      throw new ProfileDeniedError("the go-plugin socket dir", place.dir, "plugin_socket_dir", {
        cause: err,
      });
    }
    throw new Error(`cannot open the bind lock ${lockPath}: ${err}`, { cause: err });
  }
  try {
    await lock.lock(true);
    // We hold the lock: whatever is at the bind path was left by a dead plugin.
    removeQuietly(bindPath);
    try {
      await bind(bindPath);
    } catch (err) {
      if (isNotCapable(err) || /NotCapable|Requires net access/.test(String(err))) {
        throw new ProfileDeniedError("the go-plugin socket", bindPath, "plugin_socket_dir", {
          cause: err,
        });
      }
      throw err;
    }
    Deno.renameSync(bindPath, place.path);
  } finally {
    try {
      lock.unlockSync();
    } catch { /* closing releases it too */ }
    lock.close();
  }
}

function openLock(path: string): Deno.FsFile {
  try {
    const f = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o666 });
    try {
      // Others (an unprivileged plugin sharing the temp dir) must be able to open it.
      if (f.statSync().uid === Deno.uid()) Deno.chmodSync(path, 0o666);
    } catch { /* best effort */ }
    return f;
  } catch (err) {
    if (err instanceof Deno.errors.PermissionDenied) {
      // Another user's lock file in a sticky dir: flock works on a read-only descriptor.
      return Deno.openSync(path, { read: true });
    }
    throw err;
  }
}
