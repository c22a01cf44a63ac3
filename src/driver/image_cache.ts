/**
 * Image references already resolved to local image IDs, per Podman service,
 * so a start of an image that is present costs no image inspect.
 *
 * Trusted only while that service's events stream is connected: every image
 * event (tag, untag, remove, pull, load, import, build) empties the service's
 * entries, and so does every connect or break of the stream (the stream
 * replays from its last event, so a change made meanwhile still arrives). A
 * create that fails on a cached ID empties them too.
 *
 * @module
 */

/** Image events that may change what a reference names. */
export const IMAGE_CHANGE_EVENTS: readonly string[] = [
  "tag",
  "untag",
  "remove",
  "pull",
  "load",
  "import",
  "build",
];

interface ServiceEntries {
  live: boolean;
  ids: Map<string, string>;
}

/** Reference → image ID, per service (keyed by the service's image client). */
export class ImageIdCache {
  readonly #services = new WeakMap<object, ServiceEntries>();

  #of(service: object): ServiceEntries {
    let s = this.#services.get(service);
    if (!s) {
      s = { live: false, ids: new Map() };
      this.#services.set(service, s);
    }
    return s;
  }

  /** The cached ID of `ref`, while the service's events stream is connected. */
  get(service: object, ref: string): string | undefined {
    const s = this.#services.get(service);
    return s?.live ? s.ids.get(ref) : undefined;
  }

  /** Remembers an ID found by inspecting the local store (ignored while not connected). */
  set(service: object, ref: string, id: string): void {
    const s = this.#of(service);
    if (s.live) s.ids.set(ref, id);
  }

  /** The events stream connected (`true`) or broke (`false`): either way, start afresh. */
  setLive(service: object, live: boolean): void {
    const s = this.#of(service);
    s.live = live;
    s.ids.clear();
  }

  /** An image changed (or a cached ID failed): forget the service's entries. */
  invalidate(service: object): void {
    this.#services.get(service)?.ids.clear();
  }
}
