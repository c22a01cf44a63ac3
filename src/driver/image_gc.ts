/**
 * Image garbage collection (opt-in: `gc { image = true, image_delay = "3m" }`).
 *
 * The lifecycle tells it which image each task uses ({@link ImageGc.acquire}
 * at StartTask/RecoverTask) and when a task is gone ({@link ImageGc.release}
 * at DestroyTask). When the last task using an image on a socket is gone,
 * removal is scheduled after `image_delay`; a task starting on the image
 * meanwhile cancels it.
 *
 * Only the references our tasks used are removed, by name: Podman then only
 * untags when the image has other tags, and deletes the image with its last
 * tag. An image without any tag is removed by ID. Before removing, the
 * containers using the image are listed: when one exists, a reference is only
 * untagged if the image keeps another tag (the container is unaffected) and no
 * container was created from that reference; otherwise the image is kept.
 * Podman refusing (409 or any error) also means "keep".
 *
 * @module
 */
import type { Logger } from "../plugin_log/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import type { ContainerListEntry, ImageInspect } from "../podman/mod.ts";
import { type Clock, realClock } from "./reconciler.ts";
import { referenceOf, tagMatches } from "./image_ref.ts";
import { errorMessage } from "../common/mod.ts";

export { referenceOf, tagMatches };

/** The `gc` block's image part. */
export interface ImageGcConfig {
  image: boolean;
  imageDelayMs: number;
}

/** The Podman calls image GC needs (a `PodmanClient` satisfies it). */
export interface ImageGcClient {
  containers: {
    list(options?: { all?: boolean; signal?: AbortSignal }): Promise<ContainerListEntry[]>;
  };
  images: {
    inspect(ref: string, options?: { signal?: AbortSignal }): Promise<ImageInspect>;
    remove(ref: string, options?: { force?: boolean; signal?: AbortSignal }): Promise<boolean>;
  };
}

/** Dependencies of {@link ImageGc}. */
export interface ImageGcOptions {
  /** Read when a removal is scheduled and when it runs. */
  config: () => ImageGcConfig;
  /** The current client of a socket name, or undefined when it is no longer configured. */
  client: (socket: string) => ImageGcClient | undefined;
  logger: Logger;
  clock?: Clock;
  /** Deadline of each Podman call. @default 30000 */
  callTimeoutMs?: number;
}

/** Outcome of one removal attempt. */
export interface ImageRemovalReport {
  socket: string;
  imageId: string;
  /** References (or the ID) Podman removed or untagged. */
  removed: string[];
  /** Why something was kept, when it was. */
  kept: string[];
}

interface ImageEntry {
  socket: string;
  imageId: string;
  users: Set<string>;
  /** References our tasks used for this image. */
  refs: Set<string>;
  timer: unknown;
}

function sameImage(a: string, b: string): boolean {
  if (a === "" || b === "") return false;
  const x = a.replace(/^sha256:/, "");
  const y = b.replace(/^sha256:/, "");
  return x.startsWith(y) || y.startsWith(x);
}

/** Removes images no task uses any more, after a delay. */
export class ImageGc {
  readonly #o: ImageGcOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  /** key `socket\0imageId`. */
  readonly #images = new Map<string, ImageEntry>();
  /** task ID → key. */
  readonly #byTask = new Map<string, string>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(options: ImageGcOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#logger = options.logger;
  }

  /**
   * A task uses `imageId` on `socket` (StartTask or RecoverTask); `image` is
   * the task's configured `image` when known. Cancels a pending removal.
   */
  acquire(taskId: string, socket: string, imageId: string, image = ""): void {
    if (imageId === "") return;
    const key = `${socket}\0${imageId}`;
    const previous = this.#byTask.get(taskId);
    if (previous !== undefined && previous !== key) this.release(taskId);
    let e = this.#images.get(key);
    if (!e) {
      e = { socket, imageId, users: new Set(), refs: new Set(), timer: undefined };
      this.#images.set(key, e);
    }
    e.users.add(taskId);
    const ref = referenceOf(image);
    if (ref !== "") e.refs.add(ref);
    this.#byTask.set(taskId, key);
    if (e.timer !== undefined) {
      this.#clock.clearTimeout(e.timer);
      e.timer = undefined;
      this.#logger.debug("image removal cancelled: a task uses it again", {
        image_id: imageId.slice(0, 12),
        task_id: taskId,
      });
    }
  }

  /** The task is gone (DestroyTask): schedules removal when it was the image's last user. */
  release(taskId: string): void {
    const key = this.#byTask.get(taskId);
    if (key === undefined) return;
    this.#byTask.delete(taskId);
    const e = this.#images.get(key);
    if (!e) return;
    e.users.delete(taskId);
    if (e.users.size > 0) return;
    const cfg = this.#o.config();
    if (!cfg.image || this.#stopped) {
      this.#images.delete(key);
      return;
    }
    if (e.timer !== undefined) this.#clock.clearTimeout(e.timer);
    this.#logger.debug("image unused: removal scheduled", {
      image_id: e.imageId.slice(0, 12),
      refs: [...e.refs],
      delay_ms: cfg.imageDelayMs,
    });
    e.timer = this.#clock.setTimeout(() => {
      e.timer = undefined;
      if (e.users.size > 0 || this.#stopped) return;
      const p = this.removeNow(e.socket, e.imageId).catch((err) =>
        this.#logger.warn("image removal failed", {
          image_id: e.imageId.slice(0, 12),
          error: errorMessage(err),
        })
      );
      this.#inFlight.add(p);
      void p.finally(() => this.#inFlight.delete(p));
    }, Math.max(0, cfg.imageDelayMs));
  }

  /** Number of removals scheduled (for tests and diagnostics). */
  get pending(): number {
    let n = 0;
    for (const e of this.#images.values()) if (e.timer !== undefined) n++;
    return n;
  }

  /**
   * Removes the image now if no task uses it (the scheduled action; exposed for
   * tests). Forgets the image afterwards unless a task took it meanwhile.
   */
  async removeNow(socket: string, imageId: string): Promise<ImageRemovalReport> {
    const key = `${socket}\0${imageId}`;
    const report: ImageRemovalReport = { socket, imageId, removed: [], kept: [] };
    const e = this.#images.get(key);
    const refs = [...(e?.refs ?? [])];
    const busy = () => (e?.users.size ?? 0) > 0 || this.#stopped;
    const client = this.#o.client(socket);
    const fields = { socket, image_id: imageId.slice(0, 12) };
    if (!client) {
      report.kept.push(`socket ${socket} is no longer configured`);
      if (e && !busy()) this.#images.delete(key);
      return report;
    }
    try {
      if (busy() || !this.#o.config().image) {
        report.kept.push("in use by a task, or image GC disabled");
        return report;
      }
      const timeout = this.#o.callTimeoutMs ?? 30_000;
      const users = (await client.containers.list({ all: true, signal: this.#signal(timeout) }))
        .filter((c) => sameImage(c.imageId, imageId));
      let info: ImageInspect;
      try {
        info = await client.images.inspect(imageId, { signal: this.#signal(timeout) });
      } catch (err) {
        if (err instanceof PodmanNotFoundError) {
          report.kept.push("already gone");
          return report;
        }
        throw err;
      }
      const tags = info.repoTags.filter((t) => t !== "" && !t.startsWith("<none>"));
      const ours = tags.filter((t) => refs.some((r) => tagMatches(t, r)));
      const targets = removalTargets(imageId, tags, ours, users, report.kept);
      await this.#removeTargets(client, targets, report, { busy, timeout, untag: tags.length > 1 });
      if (report.kept.length > 0 && report.removed.length === 0) {
        this.#logger.debug("image GC kept an image", { ...fields, reasons: report.kept });
      }
      return report;
    } finally {
      if (e && !busy() && this.#images.get(key) === e && e.timer === undefined) {
        this.#images.delete(key);
      }
    }
  }

  /** Removes (or untags) each target while no task took the image; Podman's refusals keep it. */
  async #removeTargets(
    client: ImageGcClient,
    targets: string[],
    report: ImageRemovalReport,
    opts: { busy: () => boolean; timeout: number; untag: boolean },
  ): Promise<void> {
    const fields = { socket: report.socket, image_id: report.imageId.slice(0, 12) };
    for (const target of targets) {
      if (opts.busy()) {
        report.kept.push("a task started using it");
        break;
      }
      try {
        const existed = await client.images.remove(target, { signal: this.#signal(opts.timeout) });
        if (existed) {
          report.removed.push(target);
          this.#logger.info("image GC removed an image no task uses", {
            ...fields,
            image: target,
            untag_only: opts.untag && target !== report.imageId,
          });
        }
      } catch (err) {
        // 409 (a container uses it) or any refusal: keep it.
        report.kept.push(`${target}: ${errorMessage(err)}`);
        this.#logger.info("image GC kept an image Podman refused to remove", {
          ...fields,
          image: target,
          error: errorMessage(err),
        });
      }
    }
  }

  #signal(ms: number): AbortSignal {
    return AbortSignal.any([this.#abort.signal, AbortSignal.timeout(ms)]);
  }

  /** Cancels scheduled removals and waits for running ones (images stay). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const e of this.#images.values()) {
      if (e.timer !== undefined) this.#clock.clearTimeout(e.timer);
      e.timer = undefined;
    }
    this.#abort.abort(new Error("image GC stopped"));
    await Promise.allSettled([...this.#inFlight]);
  }
}

/**
 * What to remove of an image no task uses: the image itself when untagged and
 * unused; else only the tags our tasks used, and while a container uses the
 * image only those no container was created from, and only while another tag
 * keeps the image. Reasons for keeping are appended to `kept`.
 */
export function removalTargets(
  imageId: string,
  tags: string[],
  ours: string[],
  users: { id: string; image: string }[],
  kept: string[],
): string[] {
  if (tags.length === 0) {
    if (users.length > 0) kept.push(`used by container ${users[0]!.id.slice(0, 12)}`);
    return users.length === 0 ? [imageId] : [];
  }
  if (ours.length === 0) {
    kept.push(`no tag our tasks used (tags: ${tags.join(", ")})`);
    return [];
  }
  if (users.length === 0) return ours;
  if (tags.every((t) => ours.includes(t))) {
    kept.push(`used by container ${users[0]!.id.slice(0, 12)}`);
    return [];
  }
  const targets = ours.filter((t) => !users.some((c) => c.image === t));
  for (const t of ours) {
    if (!targets.includes(t)) kept.push(`${t}: a container was created from it`);
  }
  return targets;
}
