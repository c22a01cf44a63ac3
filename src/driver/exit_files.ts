/**
 * Early exit notice for a local Podman: watches Podman's exits directories
 * (conmon's exit files, see `podman/exit_dir.ts`) and reports a watched
 * container the moment its exit file appears. The events stream stays the
 * source of truth (and the only source for a remote socket); this only makes
 * the notice come ~0.4 s sooner. Any failure (no directory found, Deno or
 * the OS denies access, inotify breaks) is logged once and leaves the events
 * stream alone in charge.
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import type { PodmanClient } from "../podman/mod.ts";
import { ExitDirWatch } from "../podman/mod.ts";
import { errorMessage } from "../common/mod.ts";

/** Events of one exit file this close together count once (conmon writes a temporary file, then renames it). */
const DEDUP_MS = 20;

/** Options of {@link ExitFiles}. */
export interface ExitFilesOptions {
  client: PodmanClient;
  logger: Logger;
  /** Whether the container is one we watch. */
  isWatched: (containerId: string) => boolean;
  /** Called for a watched container whose exit file appeared. */
  onExitFile: (containerId: string) => void;
}

/** The exits-directory watches of one Podman client. */
export class ExitFiles {
  readonly #opts: ExitFilesOptions;
  readonly #watches: ExitDirWatch[] = [];
  #closed = false;
  /** Container → when its exit file was last reported (one file shows as several events). */
  readonly #recent = new Map<string, number>();
  /** Resolves once discovery finished; the directories watched. */
  readonly ready: Promise<string[]>;

  constructor(options: ExitFilesOptions) {
    this.#opts = options;
    this.ready = this.#start();
  }

  async #start(): Promise<string[]> {
    const { client, logger } = this.#opts;
    const denied: string[] = [];
    let dirs: string[];
    try {
      dirs = await client.exitDirs({ onDenied: (p) => denied.push(p) });
    } catch (err) {
      logger.debug("cannot locate Podman's exits directory; exits come from the events stream", {
        error: errorMessage(err),
      });
      return [];
    }
    if (denied.length > 0) {
      logger.info("no access to Podman's exits directory; exits come from the events stream", {
        paths: denied.join(","),
      });
    }
    if (this.#closed) return [];
    for (const dir of dirs) {
      this.#watches.push(
        new ExitDirWatch({
          dir,
          logger,
          onExitFile: (id) => this.#notice(id),
        }),
      );
    }
    return dirs;
  }

  #notice(id: string): void {
    if (!this.#opts.isWatched(id)) return;
    const now = Date.now();
    const last = this.#recent.get(id);
    if (last !== undefined && now - last < DEDUP_MS) return;
    if (this.#recent.size > 1000) {
      for (const [k, t] of this.#recent) if (now - t >= DEDUP_MS) this.#recent.delete(k);
    }
    this.#recent.set(id, now);
    this.#opts.onExitFile(id);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#watches) w.close();
  }
}
