/**
 * Reading responses and mapping failures to typed errors: the body of a
 * success (by {@linkcode BodyKind}), the table-driven error of a non-success
 * status, and the timeout or connection error of a call that got no answer.
 * Every body not handed to the caller is consumed or cancelled here.
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
  PodmanNotFoundError,
  PodmanResponseError,
  PodmanTimeoutError,
} from "./errors.ts";
import type { PodmanAddress } from "./_address.ts";
import type { Deadline } from "./_deadline.ts";
import {
  type BodyKind,
  type BodyOf,
  CAUSE_KINDS,
  DEFAULT_STATUS_KINDS,
  type Endpoint,
  type Outcome,
} from "./_endpoint.ts";

/** Reads a response per the endpoint: absent, success with its body, or a thrown status error. */
export async function readOutcome<K extends BodyKind>(
  ep: Endpoint<K>,
  path: string,
  res: Response,
  logger: Logger,
): Promise<Outcome<K>> {
  const { status } = res;
  if (ep.absent?.includes(status)) {
    await drain(res);
    return { absent: true, status };
  }
  if (!ep.ok.includes(status)) {
    const text = await res.text();
    throw statusError(ep, path, res.status, text || res.statusText, logger);
  }
  const body = await readBody(ep.body, ep.method, path, res);
  return { absent: false, status, headers: res.headers, body: body as BodyOf[K] };
}

/** Cancels a body that is not read. */
export async function drain(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

/** Reads a success body as `kind` (a `stream` body is handed over unread). */
export async function readBody(
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

/** The typed error for a non-success status and its body text (table-driven). */
export function statusError(
  ep: Endpoint<BodyKind>,
  path: string,
  status: number,
  text: string,
  logger: Logger,
): PodmanApiError {
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
  logger.debug("podman call failed", { method: ep.method, path, status, cause });
  if (kind === "notFound") return new PodmanNotFoundError(msg, opts);
  if (kind === "conflict") return new PodmanConflictError(msg, opts);
  return new PodmanApiError(msg, opts);
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

/**
 * What a failed fetch or body read throws: the caller's abort reason, a timeout
 * error when a deadline fired, otherwise a connection error.
 */
export function fetchFailure(
  address: PodmanAddress,
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
  return connectionError(address, method, path, err);
}

/** The connection error for a service that cannot be reached (naming a profile denial). */
export function connectionError(
  address: PodmanAddress,
  method: string,
  path: string,
  err: unknown,
): PodmanConnectionError {
  const where = address.display;
  if (address.kind !== "unix" && !(err instanceof ProfileDeniedError)) {
    err = profileDenied(
      err,
      "the Podman URL host",
      `${address.hostname}:${address.port}`,
      "net",
    ) ?? err;
  }
  const detail = err instanceof Error ? (errorChain(err) || err.message) : String(err);
  return new PodmanConnectionError(
    `Cannot reach Podman at '${where}'${path ? ` for ${method} ${path}` : ""}: ${detail}`,
    { method, path, status: 0, socket: where, cause: err },
  );
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
