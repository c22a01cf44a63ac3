/**
 * Image endpoints: exists, inspect, pull (streamed reports), load, remove.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeImageInspect, decodePullReport, obj, strArr } from "./_decode.ts";
import { jsonLines } from "./_json_lines.ts";
import { PodmanApiError, PodmanResponseError } from "./errors.ts";
import type { ImageInspect, PullReport } from "./types.ts";

const EXISTS: Endpoint<"none"> = {
  method: "GET",
  path: "/images/{name}/exists",
  ok: [204],
  absent: [404],
  body: "none",
};
const INSPECT: Endpoint<"json"> = {
  method: "GET",
  path: "/images/{name}/json",
  ok: [200],
  body: "json",
};
// A 200 only means the stream started: errors arrive inside it (#98).
const PULL: Endpoint<"stream"> = {
  method: "POST",
  path: "/images/pull",
  ok: [200],
  body: "stream",
  timeout: "head",
};
const LOAD: Endpoint<"json"> = {
  method: "POST",
  path: "/images/load",
  ok: [200],
  body: "json",
  timeout: "caller",
};
const REMOVE: Endpoint<"none"> = {
  method: "DELETE",
  path: "/images/{name}",
  ok: [200],
  absent: [404],
  body: "none",
};

/** Registry credentials for a pull. */
export interface RegistryAuth {
  username: string;
  password: string;
  /** Registry host, e.g. `registry.example.com:5000`. */
  serveraddress?: string;
}

/** Options of {@linkcode ImagesApi.pull}. */
export interface PullOptions {
  /** @default true */
  tlsVerify?: boolean;
  auth?: RegistryAuth | undefined;
  arch?: string | undefined;
  os?: string | undefined;
  variant?: string | undefined;
  /** libpod pull policy; Podman's default is `always`. */
  policy?: "always" | "missing" | "newer" | "never" | undefined;
  signal?: AbortSignal | undefined;
  /** Whole-pull deadline (e.g. the task's `image_pull_timeout`). */
  timeoutMs?: number | undefined;
  /** Called for each report (progress lines arrive in `stream`). */
  onProgress?: (report: PullReport) => void;
}

/**
 * The `X-Registry-Auth` header value: URL-safe base64 of the JSON credentials
 * (standard base64 broke some registries, reference #453).
 */
export function registryAuthHeader(auth: RegistryAuth): string {
  const json = JSON.stringify({
    username: auth.username,
    password: auth.password,
    serveraddress: auth.serveraddress ?? "",
  });
  const bytes = new TextEncoder().encode(json);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_");
}

/** Image calls. */
export class ImagesApi {
  readonly #t: Transport;

  constructor(transport: Transport) {
    this.#t = transport;
  }

  /** Whether the image exists locally. */
  async exists(ref: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const out = await this.#t.call(EXISTS, { params: { name: ref }, signal: options.signal });
    return !out.absent;
  }

  /**
   * Inspects a local image.
   *
   * @throws {PodmanNotFoundError} when it is not present.
   */
  async inspect(ref: string, options: { signal?: AbortSignal } = {}): Promise<ImageInspect> {
    const out = await this.#t.call(INSPECT, { params: { name: ref }, signal: options.signal });
    return decodeImageInspect(out.absent ? {} : out.body);
  }

  /**
   * Pulls an image and returns its id. Every streamed report is checked for
   * `error`.
   *
   * @throws {PodmanApiError} carrying Podman's message when a report has an error.
   */
  async pull(ref: string, options: PullOptions = {}): Promise<string> {
    const headers: Record<string, string> = {};
    if (options.auth) headers["X-Registry-Auth"] = registryAuthHeader(options.auth);
    const call = {
      query: {
        reference: ref,
        tlsVerify: options.tlsVerify ?? true,
        Arch: options.arch || undefined,
        OS: options.os || undefined,
        Variant: options.variant || undefined,
        policy: options.policy,
      },
      headers,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    };
    const path = await this.#t.pathFor(PULL, call);
    const out = await this.#t.call(PULL, call);
    if (out.absent) throw new Error("unreachable: pull has no absent status");
    let id = "";
    let images: string[] = [];
    for await (const v of jsonLines(out.body, { method: PULL.method, path })) {
      const report = decodePullReport(v);
      options.onProgress?.(report);
      if (report.error !== "") {
        throw new PodmanApiError(`Cannot pull image '${ref}': ${report.error}`, {
          method: PULL.method,
          path,
          status: out.status,
          podmanMessage: report.error,
        });
      }
      if (report.id !== "") id = report.id;
      if (report.images.length > 0) images = report.images;
    }
    const result = id || images[0] || "";
    if (result === "") {
      throw new PodmanResponseError(`Podman pull of '${ref}' ended without an image id`, {
        method: PULL.method,
        path,
        status: out.status,
      });
    }
    return result;
  }

  /** Loads an image archive (docker-archive or oci-archive tar) and returns the loaded names. */
  async load(
    body: ReadableStream<Uint8Array>,
    options: { signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<string[]> {
    const out = await this.#t.call(LOAD, {
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return strArr(obj(out.absent ? {} : out.body).Names);
  }

  /**
   * Removes a local image. Returns false when it was not present.
   *
   * @throws {PodmanConflictError} when a container uses it (without `force`).
   */
  async remove(
    ref: string,
    options: { force?: boolean; signal?: AbortSignal } = {},
  ): Promise<boolean> {
    const out = await this.#t.call(REMOVE, {
      params: { name: ref },
      query: { force: options.force ?? false },
      signal: options.signal,
    });
    return !out.absent;
  }
}
