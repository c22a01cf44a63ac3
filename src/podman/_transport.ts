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
 * @module
 */

import { profileDenied, ProfileDeniedError } from "../profile/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import {
  PodmanApiError,
  type PodmanApiErrorOptions,
  PodmanConflictError,
  PodmanConnectionError,
  type PodmanErrorKind,
  PodmanNotFoundError,
  PodmanResponseError,
  PodmanTimeoutError,
} from "./errors.ts";
import { parseAddress, type PodmanAddress } from "./_address.ts";

/** How a successful response body is read. */
export type BodyKind = "json" | "text" | "none" | "stream";

/** A declarative description of one Podman endpoint. */
export interface Endpoint<K extends BodyKind> {
  readonly method: "GET" | "POST" | "DELETE";
  /** Path template below the prefix, e.g. `/containers/{id}/start`. */
  readonly path: string;
  /** `libpod` (default): `/v<api>/libpod<path>`; `raw`: the path as written. */
  readonly prefix?: "libpod" | "raw";
  /** Statuses that mean success. */
  readonly ok: readonly number[];
  /** Statuses that mean "the object is not there", returned as `absent` rather than thrown. */
  readonly absent?: readonly number[];
  /** Status → error kind, on top of {@linkcode DEFAULT_STATUS_KINDS}. */
  readonly errors?: Readonly<Record<number, PodmanErrorKind>>;
  readonly body: K;
  /**
   * Which deadline applies. `call` (default): the client timeout (or the
   * call's `timeoutMs`) covers the whole call. `head`: for streams, the client
   * timeout covers only the response head; the call's `timeoutMs`, if given,
   * covers the whole stream. `caller`: only the call's `timeoutMs` and signal
   * (for calls that answer when something happens, like `/wait`).
   */
  readonly timeout?: "call" | "head" | "caller";
}

/** Status → error kind applied to every endpoint. */
export const DEFAULT_STATUS_KINDS: Readonly<Record<number, PodmanErrorKind>> = {
  404: "notFound",
  409: "conflict",
};

/**
 * Podman's `cause` → error kind, for statuses the table leaves as "api" (Podman
 * 4.3.1 answers 500 "container state improper" to a kill of a stopped container).
 */
export const CAUSE_KINDS: Readonly<Record<string, PodmanErrorKind>> = {
  "no such container": "notFound",
  "no such exec session": "notFound",
  "no such image": "notFound",
  "image not known": "notFound",
  "no such network": "notFound",
  "network not found": "notFound",
  "container state improper": "conflict",
  // Podman 4.3.1 answers a name clash on create with 500, not 409.
  "that name is already in use": "conflict",
};

/** Query values; arrays repeat the key, `undefined` is left out. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/** Per-call inputs. */
export interface CallOptions {
  /** Values for `{name}` placeholders of the path template (path-escaped here). */
  params?: Record<string, string>;
  query?: Query;
  /** JSON-encoded unless a stream. */
  body?: unknown;
  headers?: Record<string, string>;
  /** The caller's cancellation. */
  signal?: AbortSignal | undefined;
  /** Overrides the client timeout (non-streaming) or sets a whole-stream deadline (streaming). */
  timeoutMs?: number | undefined;
}

interface BodyOf {
  json: unknown;
  text: string;
  none: undefined;
  stream: ReadableStream<Uint8Array>;
}

/** The result of a call: either a success with its body, or an "absent" status. */
export type Outcome<K extends BodyKind> =
  | {
    readonly absent: false;
    readonly status: number;
    readonly headers: Headers;
    readonly body: BodyOf[K];
  }
  | { readonly absent: true; readonly status: number };

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
    if (this.#refused) throw this.#connectionError("CONNECT", "", this.#refused);
    try {
      if (a.kind === "unix") return await Deno.connect({ transport: "unix", path: a.path });
      if (a.kind === "https") {
        return await Deno.connectTls({ hostname: a.hostname, port: a.port });
      }
      return await Deno.connect({ hostname: a.hostname, port: a.port });
    } catch (err) {
      throw this.#connectionError("CONNECT", "", err);
    }
  }

  async #send<K extends BodyKind>(
    ep: Endpoint<K>,
    options: CallOptions,
    prefix: string,
  ): Promise<Outcome<K>> {
    const path = buildPath(prefix, ep.path, options.params, options.query);
    if (this.#refused) throw this.#connectionError(ep.method, path, this.#refused);
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
      throw this.#fetchFailure(ep.method, path, err, options.signal, timer, head);
    } finally {
      head?.clear();
    }
    try {
      const out = await this.#read(ep, path, res);
      if (ep.body !== "stream" || out.absent) {
        timer.clear();
        return out;
      }
      const fail = (err: unknown) =>
        this.#fetchFailure(ep.method, path, err, options.signal, timer, undefined);
      const body = guardStream(out.body as ReadableStream<Uint8Array>, timer, fail);
      return { ...out, body: body as BodyOf[K] };
    } catch (err) {
      timer.clear();
      await res.body?.cancel().catch(() => {});
      if (err instanceof PodmanApiError) throw err;
      throw this.#fetchFailure(ep.method, path, err, options.signal, timer, undefined);
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

  async #read<K extends BodyKind>(
    ep: Endpoint<K>,
    path: string,
    res: Response,
  ): Promise<Outcome<K>> {
    const { status } = res;
    if (ep.absent?.includes(status)) {
      await drain(res);
      return { absent: true, status };
    }
    if (!ep.ok.includes(status)) throw await this.#statusError(ep, path, res);
    const body = await readBody(ep.body, ep.method, path, res);
    return { absent: false, status, headers: res.headers, body: body as BodyOf[K] };
  }

  async #statusError(ep: Endpoint<BodyKind>, path: string, res: Response): Promise<PodmanApiError> {
    const text = await res.text();
    return this.statusError(ep, path, res.status, text || res.statusText);
  }

  /** The typed error for a non-success status and its body text (table-driven). */
  statusError(ep: Endpoint<BodyKind>, path: string, status: number, text: string): PodmanApiError {
    const { cause, message } = parseErrorBody(text);
    const kind = ep.errors?.[status] ?? DEFAULT_STATUS_KINDS[status] ?? CAUSE_KINDS[cause] ??
      "api";
    const opts: PodmanApiErrorOptions = {
      method: ep.method,
      path,
      status,
      podmanCause: cause,
      podmanMessage: message,
    };
    const msg = `Podman ${ep.method} ${path} failed with status ${status}: ${
      message || text.slice(0, 200)
    }`;
    this.#logger.debug("podman call failed", { method: ep.method, path, status, cause });
    if (kind === "notFound") return new PodmanNotFoundError(msg, opts);
    if (kind === "conflict") return new PodmanConflictError(msg, opts);
    return new PodmanApiError(msg, opts);
  }

  #fetchFailure(
    method: string,
    path: string,
    err: unknown,
    callerSignal: AbortSignal | undefined,
    timer: Deadline,
    head: Deadline | undefined,
  ): unknown {
    if (callerSignal?.aborted) return callerSignal.reason;
    const fired = timer.fired ? timer : head?.fired ? head : undefined;
    if (fired) {
      return new PodmanTimeoutError(
        `Podman ${method} ${path} timed out after ${fired.ms} ms`,
        { method, path, status: 0, timeoutMs: fired.ms ?? 0, cause: err },
      );
    }
    return this.#connectionError(method, path, err);
  }

  #connectionError(method: string, path: string, err: unknown): PodmanConnectionError {
    const where = this.address.display;
    if (this.address.kind !== "unix" && !(err instanceof ProfileDeniedError)) {
      err = profileDenied(
        err,
        "the Podman URL host",
        `${this.address.hostname}:${this.address.port}`,
        "net",
      ) ?? err;
    }
    const detail = err instanceof Error ? (errorChain(err) || err.message) : String(err);
    return new PodmanConnectionError(
      `Cannot reach Podman at '${where}'${path ? ` for ${method} ${path}` : ""}: ${detail}`,
      { method, path, status: 0, socket: where, cause: err },
    );
  }
}

const PING: Endpoint<"none"> = {
  method: "GET",
  path: "/libpod/_ping",
  prefix: "raw",
  ok: [200],
  body: "none",
};

class Deadline {
  readonly ms: number | undefined;
  readonly #controller = new AbortController();
  readonly #id: ReturnType<typeof setTimeout> | undefined;
  fired = false;

  constructor(ms: number | undefined) {
    this.ms = ms;
    if (ms !== undefined) {
      this.#id = setTimeout(() => {
        this.fired = true;
        this.#controller.abort(new DOMException(`Deadline of ${ms} ms passed`, "TimeoutError"));
      }, ms);
    }
  }

  get signal(): AbortSignal | undefined {
    return this.ms === undefined ? undefined : this.#controller.signal;
  }

  clear(): void {
    if (this.#id !== undefined) clearTimeout(this.#id);
  }
}

/**
 * Wraps a streaming body so the deadline timer is cleared when the stream ends
 * or is cancelled, and read failures become typed errors.
 */
function guardStream(
  src: ReadableStream<Uint8Array>,
  timer: Deadline,
  fail: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const reader = src.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (err) {
        timer.clear();
        reader.releaseLock();
        await src.cancel().catch(() => {});
        controller.error(fail(err));
        return;
      }
      if (r.done) {
        timer.clear();
        controller.close();
      } else {
        controller.enqueue(r.value);
      }
    },
    async cancel(reason) {
      timer.clear();
      await reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

function isSignal(s: AbortSignal | undefined): s is AbortSignal {
  return s !== undefined;
}

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

/** Builds `prefix + template` with escaped params and the query string. */
export function buildPath(
  prefix: string,
  template: string,
  params: Record<string, string> | undefined,
  query: Query | undefined,
): string {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = params?.[name];
    if (v === undefined || v === "") {
      throw new TypeError(`Cannot build Podman path '${template}' as '${name}' is empty`);
    }
    return encodeURIComponent(v);
  });
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) { for (const item of v) qs.append(k, item); }
    else qs.append(k, String(v));
  }
  const q = qs.toString();
  return prefix + path + (q ? `?${q}` : "");
}

async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

async function readBody(
  kind: BodyKind,
  method: string,
  path: string,
  res: Response,
): Promise<unknown> {
  switch (kind) {
    case "none":
      await drain(res);
      return undefined;
    case "text":
      return await res.text();
    case "stream":
      return res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    case "json": {
      const text = await res.text();
      try {
        return JSON.parse(text);
      } catch (err) {
        throw new PodmanResponseError(
          `Podman ${method} ${path} answered status ${res.status} with a body that is not JSON: '${
            text.slice(0, 120)
          }'`,
          { method, path, status: res.status, cause: err },
        );
      }
    }
  }
}

/** Extracts `{cause, message}` from Podman's error body (or the raw text). */
export function parseErrorBody(text: string): { cause: string; message: string } {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      return {
        cause: typeof o.cause === "string" ? o.cause : "",
        message: typeof o.message === "string" ? o.message : "",
      };
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return { cause: "", message: text.trim().slice(0, 500) };
}

function errorChain(err: Error): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; i < 4 && e instanceof Error; i++) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
    e = e.cause;
  }
  return parts.join(": ");
}
