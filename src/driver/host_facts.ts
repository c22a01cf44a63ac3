/**
 * Host facts per Podman client (rootless, cgroup version and manager, API
 * version, CPUs, AppArmor), as the spec builders need them. Podman's `info`
 * is slow (hundreds of ms on a busy host), so it is never on a start's
 * critical path when it can be avoided: one request in flight per client
 * (callers share it), fetched ahead at SetConfig, and after the TTL the cached
 * facts are still served while a refresh runs in the background.
 *
 * @module
 */
import type { PodmanClient } from "../podman/client.ts";
import type { HostFacts } from "./spec/types.ts";

/** How old facts may get before a background refresh. */
export const HOST_FACTS_TTL_MS = 60_000;

interface Entry {
  at: number;
  facts: HostFacts | undefined;
  pending: Promise<HostFacts> | undefined;
}

/** Fetches a client's facts (ping + info). */
export async function fetchHostFacts(client: PodmanClient): Promise<HostFacts> {
  const [ping, info] = await Promise.all([client.ping(), client.info()]);
  return {
    rootless: info.rootless,
    cgroupVersion: info.cgroupVersion === "v2" || info.cgroupVersion === "2" ? 2 : 1,
    cgroupManager: info.cgroupManager === "systemd" ? "systemd" : "cgroupfs",
    apiVersion: ping.apiVersion,
    numCpus: info.cpus || navigator.hardwareConcurrency || 1,
    appArmorEnabled: info.apparmorEnabled,
  };
}

/** The facts cache of one plugin process. */
export class HostFactsCache {
  readonly #entries = new WeakMap<PodmanClient, Entry>();
  readonly #fetch: (client: PodmanClient) => Promise<HostFacts>;
  readonly #now: () => number;

  constructor(
    options: { fetch?: (client: PodmanClient) => Promise<HostFacts>; now?: () => number } = {},
  ) {
    this.#fetch = options.fetch ?? fetchHostFacts;
    this.#now = options.now ?? Date.now;
  }

  /**
   * The client's facts: cached ones at once (refreshed in the background when
   * older than the TTL), else the one fetch in flight.
   *
   * @throws whatever the fetch throws, when there are no cached facts.
   */
  get(client: PodmanClient): Promise<HostFacts> {
    let e = this.#entries.get(client);
    if (!e) {
      e = { at: 0, facts: undefined, pending: undefined };
      this.#entries.set(client, e);
    }
    if (e.facts) {
      if (this.#now() - e.at >= HOST_FACTS_TTL_MS) this.#refresh(client, e).catch(() => {});
      return Promise.resolve(e.facts);
    }
    return this.#refresh(client, e);
  }

  /** Starts fetching ahead (SetConfig); failures are left for the first real use. */
  warm(client: PodmanClient): void {
    this.get(client).catch(() => {});
  }

  #refresh(client: PodmanClient, e: Entry): Promise<HostFacts> {
    e.pending ??= this.#fetch(client).then(
      (facts) => {
        e.facts = facts;
        e.at = this.#now();
        e.pending = undefined;
        return facts;
      },
      (err) => {
        e.pending = undefined;
        throw err;
      },
    );
    return e.pending;
  }
}
