/**
 * Podman's exits directory: conmon writes `<exits dir>/<container id>` (a
 * temporary file renamed into place) the moment a container's process ends,
 * about 0.4 s before Podman's cleanup process emits the `died` event. Watching
 * that directory with inotify tells a local client of an exit at once, with no
 * polling and no connection per container.
 *
 * The directory is `<libpod tmp_dir>/exits`. Podman's info does not report
 * `tmp_dir`, so the candidates are derived from what it does report (the
 * storage run root) and Podman's defaults, and only those that exist and
 * carry libpod's `alive` marker beside them are watched. Watching a wrong
 * directory costs nothing: only file names equal to a watched container ID
 * count, and those are unique.
 *
 * @module
 */

import type { Logger } from "../plugin_log/mod.ts";
import { errorMessage } from "../common/mod.ts";

/** What the candidates are derived from (a subset of Podman's info). */
export interface ExitDirHints {
  /** `store.runRoot` of Podman's info. */
  runRoot: string;
  rootless: boolean;
}

function dirname(p: string): string {
  const trimmed = p.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i <= 0 ? "/" : trimmed.slice(0, i);
}

/**
 * Candidate exits directories, most specific first:
 * `<parent of run root>/libpod/exits` (a `tmp_dir` beside the run root, as a
 * private or packaged setup configures it), the rootless default
 * `<parent of run root>/libpod/tmp/exits` (`$XDG_RUNTIME_DIR/libpod/tmp`),
 * and the rootful default `/run/libpod/exits`.
 */
export function exitDirCandidates(hints: ExitDirHints): string[] {
  const out: string[] = [];
  const add = (p: string) => {
    if (!out.includes(p)) out.push(p);
  };
  if (hints.runRoot.startsWith("/")) {
    const parent = dirname(hints.runRoot);
    const base = parent === "/" ? "" : parent;
    add(`${base}/libpod/exits`);
    if (hints.rootless) add(`${base}/libpod/tmp/exits`);
  }
  if (!hints.rootless) add("/run/libpod/exits");
  return out;
}

/** True for a denial by Deno's permissions or the OS. */
export function isAccessDenied(err: unknown): boolean {
  return err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied;
}

/**
 * The candidates that exist as directories with libpod's `alive` file beside
 * them. Access denied (Deno permissions or the OS) is reported through
 * `onDenied` and the candidate skipped.
 */
export async function existingExitDirs(
  candidates: string[],
  onDenied: (path: string, err: unknown) => void,
): Promise<string[]> {
  const found: string[] = [];
  for (const dir of candidates) {
    try {
      const st = await Deno.stat(dir);
      if (!st.isDirectory) continue;
      await Deno.stat(`${dirname(dir)}/alive`);
      found.push(dir);
    } catch (err) {
      if (isAccessDenied(err)) onDenied(dir, err);
    }
  }
  return found;
}

const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** Options of {@link ExitDirWatch}. */
export interface ExitDirWatchOptions {
  dir: string;
  logger: Logger;
  /** A file named after a container appeared (or changed) in the directory. */
  onExitFile: (containerId: string) => void;
}

/**
 * One inotify watch on an exits directory. Stops on {@link close}, or by
 * itself when the directory cannot be watched (logged once).
 */
export class ExitDirWatch {
  readonly dir: string;
  readonly #opts: ExitDirWatchOptions;
  #watcher: Deno.FsWatcher | undefined;
  #closed = false;
  /** Resolves when the watch ended; `true` when it ever ran. */
  readonly done: Promise<boolean>;

  constructor(options: ExitDirWatchOptions) {
    this.dir = options.dir;
    this.#opts = options;
    this.done = this.#run();
  }

  async #run(): Promise<boolean> {
    const { dir, logger, onExitFile } = this.#opts;
    try {
      this.#watcher = Deno.watchFs(dir, { recursive: false });
    } catch (err) {
      logger.warn("cannot watch Podman's exits directory; exits come from the events stream", {
        path: dir,
        error: errorMessage(err),
      });
      return false;
    }
    if (this.#closed) {
      this.#watcher.close();
      return true;
    }
    logger.debug("watching Podman's exits directory", { path: dir });
    try {
      for await (const ev of this.#watcher) {
        for (const p of ev.paths) {
          const name = p.slice(p.lastIndexOf("/") + 1);
          if (CONTAINER_ID.test(name)) onExitFile(name);
        }
      }
    } catch (err) {
      if (!this.#closed) {
        logger.warn("watch of Podman's exits directory failed; exits come from the events stream", {
          path: dir,
          error: errorMessage(err),
        });
      }
    }
    return true;
  }

  close(): void {
    this.#closed = true;
    try {
      this.#watcher?.close();
    } catch { /* already closed */ }
  }
}
