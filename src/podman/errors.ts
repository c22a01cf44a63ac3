/**
 * Typed errors of the Podman REST client.
 *
 * Callers branch on the class: {@linkcode PodmanNotFoundError} (404 or a
 * "no such …" cause), {@linkcode PodmanConflictError} (409 or "container state
 * improper"), {@linkcode PodmanTimeoutError} (our deadline passed) and
 * {@linkcode PodmanConnectionError} (the socket is missing or refuses). Every
 * other failure is a plain {@linkcode PodmanApiError}.
 *
 * @module
 */

/** What went wrong, in the transport's status table. */
export type PodmanErrorKind = "api" | "notFound" | "conflict";

/** Options of {@linkcode PodmanApiError}. */
export interface PodmanApiErrorOptions {
  /** HTTP method of the failed call. */
  method: string;
  /** Request path (with query) of the failed call. */
  path: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** Podman's short `cause` field, when its body had one. */
  podmanCause?: string | undefined;
  /** Podman's `message` field (or the raw body text). */
  podmanMessage?: string | undefined;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** A Podman API call failed. */
export class PodmanApiError extends Error {
  /** HTTP method of the failed call. */
  readonly method: string;
  /** Request path (with query) of the failed call. */
  readonly path: string;
  /** HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Podman's short `cause` field (e.g. `no such container`), or `""`. */
  readonly podmanCause: string;
  /** Podman's `message` field, or `""`. */
  readonly podmanMessage: string;

  constructor(message: string, options: PodmanApiErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PodmanApiError";
    this.method = options.method;
    this.path = options.path;
    this.status = options.status;
    this.podmanCause = options.podmanCause ?? "";
    this.podmanMessage = options.podmanMessage ?? "";
  }
}

/** The container, image, exec session or network does not exist. */
export class PodmanNotFoundError extends PodmanApiError {
  constructor(message: string, options: PodmanApiErrorOptions) {
    super(message, options);
    this.name = "PodmanNotFoundError";
  }
}

/** The object is in the wrong state for the call (409, or "container state improper"). */
export class PodmanConflictError extends PodmanApiError {
  constructor(message: string, options: PodmanApiErrorOptions) {
    super(message, options);
    this.name = "PodmanConflictError";
  }
}

/** Our own deadline for the call passed before Podman answered. */
export class PodmanTimeoutError extends PodmanApiError {
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, options: PodmanApiErrorOptions & { timeoutMs: number }) {
    super(message, options);
    this.name = "PodmanTimeoutError";
    this.timeoutMs = options.timeoutMs;
  }
}

/** The Podman socket could not be reached (missing, refused, reset). */
export class PodmanConnectionError extends PodmanApiError {
  /** The socket path or base URL that could not be reached. */
  readonly socket: string;

  constructor(message: string, options: PodmanApiErrorOptions & { socket: string }) {
    super(message, options);
    this.name = "PodmanConnectionError";
    this.socket = options.socket;
  }
}

/** Podman answered, but the body was not what the endpoint promises (truncated, malformed). */
export class PodmanResponseError extends PodmanApiError {
  constructor(message: string, options: PodmanApiErrorOptions) {
    super(message, options);
    this.name = "PodmanResponseError";
  }
}
