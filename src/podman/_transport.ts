/**
 * The one place where Podman HTTP statuses are decided.
 *
 * Every endpoint is a declarative {@linkcode Endpoint}: method, path template,
 * success statuses, "absent" statuses (404 meaning "not there" rather than an
 * error), extra status → error-kind entries and the body kind. The transport
 * builds the URL (with the API prefix chosen once from `_ping`), applies the
 * deadline, maps failures to typed errors and guarantees that every response
 * body is consumed or cancelled on every path, except a `stream` body handed
 * to the caller, who then owns it.
 *
 * Endpoint types and the path builder live in `_endpoint.ts`, response reading
 * and error mapping in `_response.ts`, deadlines in `_deadline.ts`; this module
 * keeps the connection pool and the call, and re-exports their public names.
 *
 * @module
 */

import { profileDenied } from "../profile/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { PodmanApiError } from "./errors.ts";
import { parseAddress, type PodmanAddress } from "./_address.ts";
import { Deadline, guardStream, isSignal } from "./_deadline.ts";
import {
  type BodyKind,
  type BodyOf,
  buildPath,
  type CallOptions,
  type Endpoint,
  type Outcome,
} from "./_endpoint.ts";
import { connectionError, fetchFailure, readOutcome, statusError } from "./_response.ts";

export {
  type BodyKind,
  buildPath,
  type CallOptions,
  CAUSE_KINDS,
  DEFAULT_STATUS_KINDS,
  type Endpoint,
  type Outcome,
  type Query,
} from "./_endpoint.ts";
export { parseErrorBody } from "./_response.ts";

/** Transport construction options. */
export interface TransportOptions {
  /** `unix:///path`, `/path` or `http(s)://host:port`. */
  socketPath: string;
  /** Timeout of non-streaming calls, in milliseconds. */
  timeoutMs: number;
  logger: Logger;
}

/** Fallback API version when `_ping` does not name one. */
export const FALLBACK_API_VERSION = "4.0.0";

const VERSION_RE = /^\d+\.\d+\.\d+/;

/** Answer of `_ping`. */
export interface PingAnswer {
  /** `Libpod-API-Version`, or `""` when missing. */
  apiVersion: string;
  /** The `Server` header's `Libpod/x.y.z` version, or `""`. */
  libpodVersion: string;
}

/** Idle keep-alive connections kept per service (long-lived streams hold their own); fewer
 * churned connections faster than they closed (src/podman/fd_leak_test.ts). */
const POOL_MAX_IDLE = 8;
/** How long an idle connection is kept, ms (a burst of cgroup lookups must not stay held). */
const POOL_IDLE_TIMEOUT_MS = 1_000;

/** HTTP transport to one Podman service. */
export class Transport {
  readonly address: PodmanAddress;
  readonly timeoutMs: number;
  readonly #logger: Logger;
  readonly #client: Deno.HttpClient;
  #prefix: Promise<string> | undefined;
  #closed = false;

  constructor(options: TransportOptions) {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw new RangeError(
        `Cannot create Podman client as 'timeoutMs' must be positive: current value is ${options.timeoutMs}`,
      );
    }
    this.address = parseAddress(options.socketPath);
    this.timeoutMs = options.timeoutMs;
    this.#logger = options.logger;
    this.#client = this.#httpClient();
  }

  /**
   * The pooled client. A socket the deployment profile does not grant makes Deno refuse
   * the client itself: then every call fails with a connection error that says so.
   */
  #httpClient(): Deno.HttpClient {
    const a = this.address;
    // Few idle connections, dropped soon: a burst (many starts at once) must not leave a
    // connection per request held open on Podman's side for the pool's default 90 s.
    const pool = { poolMaxIdlePerHost: POOL_MAX_IDLE, poolIdleTimeout: POOL_IDLE_TIMEOUT_MS };
    try {
      return a.kind === "unix"
        ? Deno.createHttpClient({ proxy: { transport: "unix", path: a.path }, ...pool })
        : Deno.createHttpClient(pool);
    } catch (err) {
      const denied = profileDenied(
        err,
        "the Podman socket",
        a.kind === "unix" ? a.path : a.display,
        a.kind === "unix" ? "podman_socket" : "net",
      );
      if (!denied) throw err;
      this.#refused = denied;
      return Deno.createHttpClient({});
    }
  }

  /** Why every call fails (a socket outside the deployment profile), if so. */
  #refused: Error | undefined;

  /** Closes the pooled connections. Further calls fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.close();
  }

  /** Calls `_ping` (unversioned) and, the first time, fixes the API prefix from its answer. */
  async ping(signal?: AbortSignal): Promise<PingAnswer> {
    const out = await this.#send(PING, { signal }, "");
    if (out.absent) throw new Error("unreachable: _ping has no absent status");
    const answer = pingAnswer(out.headers);
    this.#prefix ??= Promise.resolve(prefixFor(answer.apiVersion));
    return answer;
  }

  /** `/v<api>/libpod`, chosen once from the first successful `_ping`. */
  apiPrefix(signal?: AbortSignal): Promise<string> {
    if (this.#prefix === undefined) {
      const p = this.#send(PING, { signal }, "").then((out) =>
        prefixFor(out.absent ? "" : pingAnswer(out.headers).apiVersion)
      );
      this.#prefix = p;
      p.catch(() => {
        if (this.#prefix === p) this.#prefix = undefined; // retry on the next call
      });
    }
    return this.#prefix;
  }

  /** Performs one call described by `endpoint`. */
  async call<K extends BodyKind>(
    endpoint: Endpoint<K>,
    options: CallOptions = {},
  ): Promise<Outcome<K>> {
    const prefix = endpoint.prefix === "raw" ? "" : await this.apiPrefix(options.signal);
    return await this.#send(endpoint, options, prefix);
  }

  /** The request path (prefix, escaped params, query) a call would use. */
  async pathFor(endpoint: Endpoint<BodyKind>, options: CallOptions = {}): Promise<string> {
    const prefix = endpoint.prefix === "raw" ? "" : await this.apiPrefix(options.signal);
    return buildPath(prefix, endpoint.path, options.params, options.query);
  }

  /** Opens a raw byte connection to the service (for hijacked exec sessions). */
  async connectRaw(): Promise<Deno.Conn> {
    const a = this.address;
    if (this.#refused) throw connectionError(this.address, "CONNECT", "", this.#refused);
    try {
      if (a.kind === "unix") return await Deno.connect({ transport: "unix", path: a.path });
      if (a.kind === "https") {
        return await Deno.connectTls({ hostname: a.hostname, port: a.port });
      }
      return await Deno.connect({ hostname: a.hostname, port: a.port });
    } catch (err) {
      throw connectionError(this.address, "CONNECT", "", err);
    }
  }

  async #send<K extends BodyKind>(
    ep: Endpoint<K>,
    options: CallOptions,
    prefix: string,
  ): Promise<Outcome<K>> {
    const path = buildPath(prefix, ep.path, options.params, options.query);
    if (this.#refused) throw connectionError(this.address, ep.method, path, this.#refused);
    const mode = ep.timeout ?? "call";
    const timer = new Deadline(
      mode === "call" ? options.timeoutMs ?? this.timeoutMs : options.timeoutMs,
    );
    const head = mode === "head" ? new Deadline(this.timeoutMs) : undefined;
    const signals = [timer.signal, options.signal, head?.signal].filter(isSignal);
    const signal = AbortSignal.any(signals);
    const init = this.#init(ep, options, signal);
    let res: Response;
    try {
      res = await fetch(this.address.baseUrl + path, init);
    } catch (err) {
      timer.clear();
      head?.clear();
      throw fetchFailure(this.address, ep.method, path, err, options.signal, timer, head);
    } finally {
      head?.clear();
    }
    try {
      const out = await readOutcome(ep, path, res, this.#logger);
      if (ep.body !== "stream" || out.absent) {
        timer.clear();
        return out;
      }
      const fail = (err: unknown) =>
        fetchFailure(this.address, ep.method, path, err, options.signal, timer, undefined);
      const body = guardStream(out.body as ReadableStream<Uint8Array>, timer, fail);
      return { ...out, body: body as BodyOf[K] };
    } catch (err) {
      timer.clear();
      await res.body?.cancel().catch(() => {});
      if (err instanceof PodmanApiError) throw err;
      throw fetchFailure(this.address, ep.method, path, err, options.signal, timer, undefined);
    }
  }

  #init(
    ep: Endpoint<BodyKind>,
    options: CallOptions,
    signal: AbortSignal,
  ): RequestInit & { client: Deno.HttpClient } {
    const headers = new Headers(options.headers);
    let body: BodyInit | undefined;
    if (options.body instanceof ReadableStream) {
      body = options.body;
      if (!headers.has("content-type")) headers.set("content-type", "application/x-tar");
    } else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers.set("content-type", "application/json");
    }
    return { method: ep.method, headers, body: body ?? null, signal, client: this.#client };
  }

  /** The typed error for a non-success status and its body text (table-driven). */
  statusError(ep: Endpoint<BodyKind>, path: string, status: number, text: string): PodmanApiError {
    return statusError(ep, path, status, text, this.#logger);
  }
}

const PING: Endpoint<"none"> = {
  method: "GET",
  path: "/libpod/_ping",
  prefix: "raw",
  ok: [200],
  body: "none",
};

function pingAnswer(headers: Headers): PingAnswer {
  const apiVersion = headers.get("libpod-api-version") ?? "";
  const server = headers.get("server") ?? "";
  const m = /Libpod\/(\S+)/.exec(server);
  return { apiVersion, libpodVersion: m?.[1] ?? "" };
}

function prefixFor(apiVersion: string): string {
  const m = VERSION_RE.exec(apiVersion);
  return `/v${m ? m[0] : FALLBACK_API_VERSION}/libpod`;
}
