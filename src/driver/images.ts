/**
 * Resolves a task's `image` to a local image ID: use the local image, pull it
 * from a registry, or load it from an archive file or URL.
 *
 * - `docker://x` is a docker reference (normalised like Podman's `docker://`
 *   transport); fully qualified names are normalised (`:latest` added) before
 *   the local lookup; short names are left to registries.conf.
 * - `oci-archive:/path[:ref]` and `docker-archive:/path[:ref]` stream the file
 *   into `images/load`; `…-archive:http(s)://…` streams the download into it,
 *   the whole thing under `image_pull_timeout`.
 * - A local image is used without a pull unless `force_pull` or a platform
 *   (`arch`/`os`/`variant`) is set; `localhost/…` is never pulled.
 * - Concurrent resolves of the same (socket, source, platform, force,
 *   credentials) share ONE Podman call (singleflight).
 *
 * @module
 */

import type { PluginConfig, TaskConfig } from "../config/mod.ts";
import type { ImagesApi, RegistryAuth } from "../podman/mod.ts";
import { PodmanApiError, PodmanTimeoutError } from "../podman/mod.ts";
import { type Logger, rootLogger } from "../plugin_log/mod.ts";
import { RegistryAuthError, resolveRegistryAuth } from "./registry_auth.ts";
import { errorMessage } from "../common/mod.ts";
import { type ArchiveFormat, ImageError, type ImageSource, parseImageSource } from "./image_ref.ts";
import { type FlightContext, type ImageEventSink, SingleFlight } from "./image_flight.ts";
import { ProgressThrottle } from "./image_progress.ts";
import { ArchiveLoader, formatMs, localImageId } from "./image_archive.ts";

export { formatMs, ImageError, parseImageSource };
export type { ArchiveFormat, ImageEventSink, ImageSource };
export { parsePullProgress, type PullProgressInfo } from "./image_progress.ts";

/** The image calls the resolver needs (a `PodmanClient`'s `images` satisfies it). */
export type ImagesClient = Pick<ImagesApi, "exists" | "inspect" | "pull" | "load">;

/** What {@linkcode ImageResolver.resolve} needs about one task. */
export interface ResolveImageRequest {
  /** Identifies the Podman service (socket name); part of the singleflight key. */
  socketKey: string;
  config: TaskConfig;
  plugin: PluginConfig;
  signal?: AbortSignal | undefined;
  /** Task events: "Pulling image", progress, "Downloaded image", "Loading image". */
  onEvent: ImageEventSink;
}

/** Options of {@linkcode ImageResolver}. */
export interface ImageResolverOptions {
  logger?: Logger;
  /** Used for archive URLs. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Minimum gap between two progress events of one pull. @default 1000 */
  progressIntervalMs?: number;
  /** Clock for the progress throttle. @default Date.now */
  now?: () => number;
  /** Credential lookup. @default resolveRegistryAuth */
  resolveAuth?: typeof resolveRegistryAuth;
}

/** Resolves task images to image IDs, sharing identical concurrent work. */
export class ImageResolver {
  readonly #logger: Logger;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #resolveAuth: typeof resolveRegistryAuth;
  readonly #flights: SingleFlight<string>;
  readonly #archives: ArchiveLoader;

  constructor(options: ImageResolverOptions = {}) {
    this.#logger = options.logger ?? rootLogger.named("images");
    this.#interval = options.progressIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#resolveAuth = options.resolveAuth ?? resolveRegistryAuth;
    this.#flights = new SingleFlight(this.#logger);
    this.#archives = new ArchiveLoader({
      logger: this.#logger,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      now: this.#now,
    });
  }

  /** Number of resolutions in progress (for tests and diagnostics). */
  get inFlight(): number {
    return this.#flights.size;
  }

  /**
   * Resolves the task's `image` to a local image ID, pulling or loading it
   * when needed.
   *
   * @param images The Podman image calls of the task's socket.
   * @param req The task, plugin config, cancellation and event sink.
   * @returns The image ID.
   * @throws {ImageError} naming `image` and the reference, with Podman's message.
   */
  async resolve(images: ImagesClient, req: ResolveImageRequest): Promise<string> {
    const { config } = req;
    const source = parseImageSource(config.image);
    switch (source.kind) {
      case "archive-file":
        return await this.#join(
          `${req.socketKey}\0file\0${source.format}\0${source.path}`,
          req,
          (ctx) => this.#archives.loadFile(images, source, config, ctx),
        );
      case "archive-url":
        return await this.#join(
          `${req.socketKey}\0url\0${source.format}\0${source.url}`,
          req,
          (ctx) => this.#archives.loadUrl(images, source, config, ctx),
        );
      case "registry": {
        const platform = [config.arch, config.os, config.variant].join("/");
        const tlsVerify = config.auth?.tlsVerify ?? true;
        const key = [
          req.socketKey,
          "pull",
          source.ref,
          platform,
          config.forcePull && !source.localOnly ? "force" : "",
          tlsVerify ? "tls" : "notls",
          await credentialFingerprint(config),
        ].join("\0");
        return await this.#join(key, req, (ctx) => this.#fromRegistry(images, source, req, ctx));
      }
    }
  }

  #join(
    key: string,
    req: ResolveImageRequest,
    run: (ctx: FlightContext) => Promise<string>,
  ): Promise<string> {
    return this.#flights.join(key, req.onEvent, req.signal, run);
  }

  // ------------------------------------------------------------ registry

  async #fromRegistry(
    images: ImagesClient,
    source: Extract<ImageSource, { kind: "registry" }>,
    req: ResolveImageRequest,
    ctx: FlightContext,
  ): Promise<string> {
    const { config } = req;
    const image = config.image;
    const ref = source.ref;
    const platformSet = config.arch !== "" || config.os !== "" || config.variant !== "";
    const wantsPull = config.forcePull || platformSet;

    if (source.localOnly || !wantsPull) {
      const id = await this.#localFirst(images, source, image, wantsPull, ctx.signal);
      if (id !== undefined) return id;
    }

    const annotations = { image: ref };
    ctx.emit(`Pulling image ${ref}`, annotations, true);
    const started = this.#now();

    const auth = await this.#auth(ref, req, ctx.signal);
    const progress = new ProgressThrottle(ref, this.#interval, this.#now, ctx);
    let id: string;
    try {
      id = await images.pull(ref, {
        tlsVerify: config.auth?.tlsVerify ?? true,
        auth,
        arch: config.arch || undefined,
        os: config.os || undefined,
        variant: config.variant || undefined,
        signal: ctx.signal,
        timeoutMs: config.imagePullTimeoutMs,
        onProgress: (report) => progress.report(report),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw this.#pullError(image, ref, err, config.imagePullTimeoutMs, auth);
    }
    this.#logger.info("pulled image", {
      image: ref,
      image_id: id,
      duration_ms: this.#now() - started,
    });
    ctx.emit(`Downloaded image ${ref}`, { ...annotations, image_id: id });
    return id;
  }

  /** The local image, when present; a missing `localhost/` image is an error (never pulled). */
  async #localFirst(
    images: ImagesClient,
    source: Extract<ImageSource, { kind: "registry" }>,
    image: string,
    wantsPull: boolean,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    const ref = source.ref;
    const id = await localImageId(images, ref, signal, this.#logger);
    if (id !== undefined) {
      if (source.localOnly && wantsPull) {
        this.#logger.debug("localhost image is never pulled: force_pull/platform ignored", {
          image: ref,
        });
      }
      return id;
    }
    if (!source.localOnly) return undefined;
    throw new ImageError(
      image,
      ref,
      `Cannot use image '${ref}' as 'image': it is not present in the local store ` +
        `and 'localhost/' images are never pulled`,
      { recoverable: false },
    );
  }

  /** The credentials of a pull (task auth, plugin helpers, soft fail), as an ImageError when they fail. */
  async #auth(
    ref: string,
    req: ResolveImageRequest,
    signal: AbortSignal,
  ): Promise<RegistryAuth | undefined> {
    const { config } = req;
    try {
      return await this.#resolveAuth(ref, {
        taskAuth: config.auth,
        pluginAuth: req.plugin.auth,
        authSoftFail: config.authSoftFail,
        signal,
        logger: this.#logger,
      });
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      const reason = err instanceof RegistryAuthError ? err.message : errorMessage(err);
      throw new ImageError(config.image, ref, `Cannot pull image '${ref}' as 'image': ${reason}`, {
        recoverable: true,
        cause: err,
      });
    }
  }

  #pullError(
    image: string,
    ref: string,
    err: unknown,
    timeoutMs: number,
    auth: RegistryAuth | undefined,
  ): ImageError {
    let reason: string;
    if (err instanceof PodmanTimeoutError) {
      reason = `image_pull_timeout of ${formatMs(timeoutMs)} passed`;
    } else if (err instanceof PodmanApiError && err.podmanMessage !== "") {
      reason = err.podmanMessage;
    } else {
      reason = errorMessage(err);
    }
    if (auth !== undefined && auth.password !== "") {
      reason = reason.split(auth.password).join("<redacted>");
    }
    return new ImageError(image, ref, `Cannot pull image '${ref}' as 'image': ${reason}`, {
      recoverable: true,
      cause: err,
    });
  }
}

// ---------------------------------------------------------------- helpers

/** A digest of the task's credentials, so different credentials never share a pull. */
async function credentialFingerprint(config: TaskConfig): Promise<string> {
  const a = config.auth;
  if (a === undefined || (a.username === "" && a.password === "")) return "";
  const bytes = new TextEncoder().encode(`${a.username}\0${a.password}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
