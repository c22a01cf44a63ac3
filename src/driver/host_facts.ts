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
import type { PodmanClient } from "../podman/mod.ts";

/** How old facts may get before a background refresh. */
export const HOST_FACTS_TTL_MS = 60_000;

/** What a socket's ping and system info tell the driver: the one type for specs and fingerprint. */
export interface HostFacts {
  /** Libpod API version, e.g. `4.3.1`. */
  apiVersion: string;
  rootless: boolean;
  cgroupVersion: 1 | 2;
  cgroupManager: "systemd" | "cgroupfs";
  /** CPUs of the host (the reference uses Go's `runtime.NumCPU()`). */
  numCpus: number;
  memTotal: number;
  appArmorEnabled: boolean;
  selinuxEnabled: boolean;
  seccompEnabled: boolean;
  capabilities: string;
  ociRuntimePath: string;
  remoteSocketPath: string;
}

/** The Podman calls the facts come from. */
export type HostFactsPort = Pick<PodmanClient, "ping" | "info">;

interface Entry {
  at: number;
  facts: HostFacts | undefined;
  pending: Promise<HostFacts> | undefined;
}

/** Fetches a client's facts (ping + info), under `signal` when given. */
export async function fetchHostFacts(
  client: HostFactsPort,
  signal?: AbortSignal,
): Promise<HostFacts> {
  const opts = signal ? { signal } : undefined;
  const [ping, info] = await Promise.all([client.ping(opts), client.info(opts)]);
  return {
    apiVersion: ping.apiVersion,
    rootless: info.rootless,
    cgroupVersion: info.cgroupVersion === "v2" || info.cgroupVersion === "2" ? 2 : 1,
    cgroupManager: info.cgroupManager === "systemd" ? "systemd" : "cgroupfs",
    numCpus: info.cpus || navigator.hardwareConcurrency || 1,
    memTotal: info.memTotal,
    appArmorEnabled: info.apparmorEnabled,
    selinuxEnabled: info.selinuxEnabled,
    seccompEnabled: info.seccompEnabled,
    capabilities: info.capabilities,
    ociRuntimePath: info.ociRuntimePath ?? "",
    remoteSocketPath: info.remoteSocketPath ?? "",
  };
}

/** The facts cache of one plugin process. */
export class HostFactsCache {
  readonly #entries = new WeakMap<object, Entry>();
  readonly #fetch: (client: HostFactsPort) => Promise<HostFacts>;
  readonly #now: () => number;

  constructor(
    options: { fetch?: (client: HostFactsPort) => Promise<HostFacts>; now?: () => number } = {},
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
  get(client: HostFactsPort): Promise<HostFacts> {
    const e = this.#entry(client);
    if (e.facts) {
      if (this.#now() - e.at >= HOST_FACTS_TTL_MS) this.#refresh(client, e).catch(() => {});
      return Promise.resolve(e.facts);
    }
    return this.#refresh(client, e);
  }

  /** Takes facts fetched elsewhere (the fingerprint's probe) as the freshest. */
  offer(client: HostFactsPort, facts: HostFacts): void {
    const e = this.#entry(client);
    e.facts = facts;
    e.at = this.#now();
  }

  #entry(client: HostFactsPort): Entry {
    let e = this.#entries.get(client);
    if (!e) {
      e = { at: 0, facts: undefined, pending: undefined };
      this.#entries.set(client, e);
    }
    return e;
  }

  /** Starts fetching ahead (SetConfig); failures are left for the first real use. */
  warm(client: HostFactsPort): void {
    this.get(client).catch(() => {});
  }

  #refresh(client: HostFactsPort, e: Entry): Promise<HostFacts> {
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
