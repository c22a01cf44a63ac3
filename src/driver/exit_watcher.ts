/**
 * Exit detection without per-task polling: one Podman events stream per
 * socket tells us about every container that died. After a gap (Podman
 * restarted, stream broke) the stream resumes from the last event seen, and
 * every watched container is inspected once, so no exit is missed.
 *
 * @module
 */
import type { PodmanClient } from "../podman/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { ExitFiles } from "./exit_files.ts";
import { errorMessage, sleep } from "../common/mod.ts";

/** Options of {@link ExitWatcher}. */
export interface ExitWatcherOptions {
  client: PodmanClient;
  logger: Logger;
  /** Called when a watched container may have exited (died event or sweep). */
  onMaybeExited: (containerId: string) => void;
  /** Called when the stream (re)connects after a gap, and on each retry. */
  onGap?: () => void;
  /** Also watch Podman's exits directory for an earlier notice (local sockets). @default true */
  exitFiles?: boolean;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

/** After the first connect, watched containers are looked at once after this long. */
const FIRST_SWEEP_MS = 1000;

/** How long {@linkcode ExitWatcher.stop} waits for the events loop to end. */
export const STOP_WAIT_MS = 250;

/** Watches one socket's container deaths. */
export class ExitWatcher {
  readonly #opts: ExitWatcherOptions;
  readonly #watched = new Set<string>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;
  #files: ExitFiles | undefined;
  /** Seconds since the epoch of the newest event seen (for `since` after a gap). */
  #lastEventSec = Math.floor(Date.now() / 1000) - 1;

  constructor(options: ExitWatcherOptions) {
    this.#opts = options;
  }

  /** Starts watching `containerId` (and the stream, on first use). */
  watch(containerId: string): void {
    this.#watched.add(containerId);
    this.start();
  }

  /** Starts the stream (and the exits-directory watch) before any container is watched. */
  start(): void {
    if (this.#stop.signal.aborted) return;
    this.#running ??= this.#loop();
    if (this.#opts.exitFiles !== false) {
      this.#files ??= new ExitFiles({
        client: this.#opts.client,
        logger: this.#opts.logger,
        isWatched: (id) => this.#watched.has(id),
        onExitFile: (id) => this.#opts.onMaybeExited(id),
      });
    }
  }

  unwatch(containerId: string): void {
    this.#watched.delete(containerId);
  }

  get watchedCount(): number {
    return this.#watched.size;
  }

  /**
   * Stops the stream. Waits at most {@linkcode STOP_WAIT_MS} for the loop: after a busy run the
   * aborted events request was seen to linger past go-plugin's 2 s Shutdown grace (tests/nomad),
   * and the process exit closes it anyway.
   */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#files?.close();
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#running?.catch(() => {}),
      new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  #sweep(): void {
    for (const id of this.#watched) this.#opts.onMaybeExited(id);
  }

  async #loop(): Promise<void> {
    const { client, logger } = this.#opts;
    let backoff = BACKOFF_MIN_MS;
    let first = true;
    while (!this.#stop.signal.aborted) {
      try {
        const events = client.events({
          filters: { type: ["container"], event: ["died"] },
          // After a gap, replay from the last event seen. Not on the first
          // connect: a replay makes Podman scan its event log (journald), and a
          // start right after it measured 130-176 ms instead of 88-96 ms; the
          // containers watched by then are looked at once instead (below).
          since: first ? undefined : String(this.#lastEventSec),
          signal: this.#stop.signal,
        });
        if (first) {
          // A death between watch() and Podman's taking the subscription is covered by
          // one look at every watched container once the stream surely runs.
          const t = setTimeout(() => this.#sweep(), FIRST_SWEEP_MS);
          this.#stop.signal.addEventListener("abort", () => clearTimeout(t), { once: true });
        } else {
          // After a gap, look at every watched container once: covers events
          // lost by Podman itself while it was down.
          this.#opts.onGap?.();
          this.#sweep();
        }
        first = false;
        for await (const e of events) {
          backoff = BACKOFF_MIN_MS;
          const sec = Number(e.timeNano / 1_000_000_000n);
          if (sec > this.#lastEventSec) this.#lastEventSec = sec;
          if (this.#watched.has(e.id)) this.#opts.onMaybeExited(e.id);
        }
        if (this.#stop.signal.aborted) return;
        logger.debug("podman events stream ended; reconnecting");
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        first = false;
        logger.debug("podman events stream failed; reconnecting", {
          error: errorMessage(err),
          backoff_ms: backoff,
        });
        this.#opts.onGap?.();
      }
      await sleep(backoff, this.#stop.signal);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }
}
