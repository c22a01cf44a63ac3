/**
 * {@linkcode PodmanClient}: one Podman service, all operations.
 *
 * @module
 */

import type { Logger } from "../plugin_log/mod.ts";
import { Transport } from "./_transport.ts";
import { SystemApi } from "./system.ts";
import { ContainersApi } from "./containers.ts";
import { ImagesApi } from "./images.ts";
import { ExecApi } from "./exec.ts";
import { type EventsOptions, streamEvents } from "./events.ts";
import { containerStats, statsOnce, type StatsOptions, streamStats } from "./stats.ts";
import { type LogsOptions, streamLogs } from "./logs.ts";
import { networkExists } from "./networks.ts";
import { containerTop, type TopResult } from "./top.ts";
import { existingExitDirs, exitDirCandidates } from "./exit_dir.ts";
import type {
  ContainerStats,
  LogChunk,
  PingResult,
  PodmanEvent,
  StatsSample,
  SystemInfo,
} from "./types.ts";

/** Default timeout of non-streaming calls (the plugin's `client_http_timeout` default). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Options of {@linkcode PodmanClient}. */
export interface PodmanClientOptions {
  /** `unix:///run/podman/podman.sock`, `/run/podman/podman.sock` or `http(s)://host:port`. */
  socketPath: string;
  /** Timeout of non-streaming calls, ms. @default 60000 */
  timeoutMs?: number;
  logger: Logger;
}

/**
 * A client of one Podman service (libpod REST API).
 *
 * @example Ping and inspect
 * ```ts ignore
 * const client = new PodmanClient({ socketPath: "unix:///run/podman/podman.sock", logger });
 * const { apiVersion } = await client.ping();
 * const c = await client.containers.inspect("redis-1234");
 * client.close();
 * ```
 */
export class PodmanClient {
  /** The socket path or base URL as given. */
  readonly socketPath: string;
  readonly containers: ContainersApi;
  readonly images: ImagesApi;
  readonly exec: ExecApi;
  readonly #t: Transport;
  readonly #system: SystemApi;

  /** @throws {TypeError} for an unusable socket path; {RangeError} for a bad timeout. */
  constructor(options: PodmanClientOptions) {
    this.socketPath = options.socketPath;
    this.#t = new Transport({
      socketPath: options.socketPath,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      logger: options.logger.named("client"),
    });
    this.#system = new SystemApi(this.#t);
    this.containers = new ContainersApi(this.#t);
    this.images = new ImagesApi(this.#t);
    this.exec = new ExecApi(this.#t);
  }

  /** Timeout of non-streaming calls, ms. */
  get timeoutMs(): number {
    return this.#t.timeoutMs;
  }

  /** Pings the service (cheap health check); the first success fixes the API prefix. */
  ping(options: { signal?: AbortSignal } = {}): Promise<PingResult> {
    return this.#system.ping(options);
  }

  /**
   * The typed subset of `info`. Calls made while one is in flight share it:
   * `info` costs Podman ~300 ms of CPU, and a plugin's start asks for it three
   * times at once (host facts, the first fingerprint, the exits directory).
   * A caller's `signal` ends only its own wait.
   */
  info(options: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
    this.#info ??= this.#system.info().finally(() => (this.#info = undefined));
    return untilAborted(this.#info, options.signal);
  }

  #info: Promise<SystemInfo> | undefined;

  /** Streams events (one long-lived request); break or abort to stop. */
  events(options: EventsOptions = {}): AsyncGenerator<PodmanEvent, void, undefined> {
    return streamEvents(this.#t, options);
  }

  /** Streams per-container stats samples every `interval` seconds. */
  statsStream(options: StatsOptions = {}): AsyncGenerator<StatsSample, void, undefined> {
    return streamStats(this.#t, options);
  }

  /** One batch of per-container stats samples. */
  stats(options: StatsOptions = {}): Promise<StatsSample[]> {
    return statsOnce(this.#t, options);
  }

  /** Docker-shaped one-shot stats of one container (user/kernel time, throttling). */
  containerStats(id: string, options: { signal?: AbortSignal } = {}): Promise<ContainerStats> {
    return containerStats(this.#t, id, options);
  }

  /** The container's processes with the given psgo descriptors (`hpid`, `rss` …). */
  top(
    id: string,
    descriptors: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<TopResult> {
    return containerTop(this.#t, id, descriptors, options);
  }

  /** Streams a container's demultiplexed log output. */
  logs(id: string, options: LogsOptions = {}): AsyncGenerator<LogChunk, void, undefined> {
    return streamLogs(this.#t, id, options);
  }

  /** Whether a network exists. */
  networkExists(name: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return networkExists(this.#t, name, options);
  }

  /**
   * Podman's exits directories on this host (see {@link exitDirCandidates}),
   * for a local (unix socket) service; none for a remote one. Candidates Deno
   * or the OS deny are passed to `onDenied` and left out.
   */
  async exitDirs(
    options: { signal?: AbortSignal; onDenied?: (path: string, err: unknown) => void } = {},
  ): Promise<string[]> {
    if (this.#t.address.kind !== "unix") return [];
    const info = await this.info({ signal: options.signal });
    const candidates = exitDirCandidates({ runRoot: info.runRoot, rootless: info.rootless });
    return await existingExitDirs(candidates, options.onDenied ?? (() => {}));
  }

  /** Closes pooled connections; the client is unusable afterwards. */
  close(): void {
    this.#t.close();
  }
}

/** `p`, or the abort reason of `signal` if it aborts first. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
