/**
 * Declarative endpoint descriptions: what a call sends and how its statuses are
 * read ({@linkcode Endpoint}, {@linkcode CallOptions}, {@linkcode Outcome}), the
 * status and cause → error-kind tables, and the request path builder.
 *
 * @module
 */

import type { PodmanErrorKind } from "./errors.ts";

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

/** The type of a successful body, per {@linkcode BodyKind}. */
export interface BodyOf {
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
