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

import { isNotCapable } from "../profile/mod.ts";
import type { PluginConfig, TaskConfig } from "../config/mod.ts";
import type { ImagesApi, RegistryAuth } from "../podman/mod.ts";
import { PodmanApiError, PodmanNotFoundError, PodmanTimeoutError } from "../podman/mod.ts";
import { type Logger, rootLogger } from "../plugin_log/mod.ts";
import { RegistryAuthError, resolveRegistryAuth } from "./registry_auth.ts";
import { errorMessage } from "../common/mod.ts";
import { type ArchiveFormat, ImageError, type ImageSource, parseImageSource } from "./image_ref.ts";
import { type FlightContext, type ImageEventSink, SingleFlight } from "./image_flight.ts";
import { ProgressThrottle } from "./image_progress.ts";

export { ImageError, parseImageSource };
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
  readonly #fetch: typeof fetch;
  readonly #interval: number;
  readonly #now: () => number;
  readonly #resolveAuth: typeof resolveRegistryAuth;
  readonly #flights: SingleFlight<string>;

  constructor(options: ImageResolverOptions = {}) {
    this.#logger = options.logger ?? rootLogger.named("images");
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#interval = options.progressIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#resolveAuth = options.resolveAuth ?? resolveRegistryAuth;
    this.#flights = new SingleFlight(this.#logger);
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
          (ctx) => this.#loadFile(images, source, config, ctx),
        );
      case "archive-url":
        return await this.#join(
          `${req.socketKey}\0url\0${source.format}\0${source.url}`,
          req,
          (ctx) => this.#loadUrl(images, source, config, ctx),
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

    if (source.localOnly || (!config.forcePull && !platformSet)) {
      const id = await this.#localId(images, ref, ctx.signal);
      if (id !== undefined) {
        if (source.localOnly && (config.forcePull || platformSet)) {
          this.#logger.debug("localhost image is never pulled: force_pull/platform ignored", {
            image: ref,
          });
        }
        return id;
      }
      if (source.localOnly) {
        throw new ImageError(
          image,
          ref,
          `Cannot use image '${ref}' as 'image': it is not present in the local store ` +
            `and 'localhost/' images are never pulled`,
          { recoverable: false },
        );
      }
    }

    const annotations = { image: ref };
    ctx.emit(`Pulling image ${ref}`, annotations, true);
    const started = this.#now();

    let auth: RegistryAuth | undefined;
    try {
      auth = await this.#resolveAuth(ref, {
        taskAuth: config.auth,
        pluginAuth: req.plugin.auth,
        authSoftFail: config.authSoftFail,
        signal: ctx.signal,
        logger: this.#logger,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const reason = err instanceof RegistryAuthError ? err.message : errText(err);
      throw new ImageError(image, ref, `Cannot pull image '${ref}' as 'image': ${reason}`, {
        recoverable: true,
        cause: err,
      });
    }

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
      reason = errText(err);
    }
    if (auth !== undefined && auth.password !== "") {
      reason = reason.split(auth.password).join("<redacted>");
    }
    return new ImageError(image, ref, `Cannot pull image '${ref}' as 'image': ${reason}`, {
      recoverable: true,
      cause: err,
    });
  }

  /** The local image's ID, or `undefined` when it is absent (other errors are logged). */
  async #localId(
    images: ImagesClient,
    ref: string,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    try {
      const info = await images.inspect(ref, { signal });
      return info.id !== "" ? info.id : undefined;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      if (!(err instanceof PodmanNotFoundError)) {
        this.#logger.warn("local image lookup failed; pulling instead", {
          image: ref,
          error: errText(err),
        });
      }
      return undefined;
    }
  }

  // ------------------------------------------------------------ archives

  async #loadFile(
    images: ImagesClient,
    source: Extract<ImageSource, { kind: "archive-file" }>,
    config: TaskConfig,
    ctx: FlightContext,
  ): Promise<string> {
    const image = config.image;
    ctx.emit(`Loading image ${source.path}`, { image: source.path }, true);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(source.path, { read: true });
    } catch (err) {
      const reason = err instanceof Deno.errors.NotFound
        ? "the file does not exist"
        : `the file cannot be opened: ${errText(err)}`;
      throw new ImageError(
        image,
        source.path,
        `Cannot load image '${image}' as 'image' from ${source.format} '${source.path}': ${reason}`,
        { recoverable: false, cause: err },
      );
    }
    let names: string[];
    try {
      names = await images.load(file.readable, {
        signal: ctx.signal,
        timeoutMs: config.imagePullTimeoutMs,
      });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      throw this.#loadError(image, source.path, source.format, err, config.imagePullTimeoutMs);
    } finally {
      try {
        file.close();
      } catch {
        // Already closed by the stream.
      }
    }
    return await this.#loadedId(images, image, source.path, names, source.ref, ctx);
  }

  async #loadUrl(
    images: ImagesClient,
    source: Extract<ImageSource, { kind: "archive-url" }>,
    config: TaskConfig,
    ctx: FlightContext,
  ): Promise<string> {
    const image = config.image;
    const url = redactUrl(source.url);
    const timeoutMs = config.imagePullTimeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([ctx.signal, deadline]);
    const started = this.#now();
    ctx.emit(`Loading image ${url}`, { image: url }, true);
    const failed = (reason: string, recoverable: boolean, cause?: unknown) =>
      new ImageError(
        image,
        url,
        `Cannot load image '${url}' as 'image' from ${source.format} URL: ${reason}`,
        { recoverable, cause },
      );
    let res: Response;
    try {
      res = await this.#fetch(source.url, { signal, redirect: "follow" });
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (deadline.aborted) {
        throw failed(`image_pull_timeout of ${formatMs(timeoutMs)} passed`, true);
      }
      if (isNotCapable(err)) {
        const host = new URL(source.url).host;
        throw failed(
          `the host ${host} is outside the plugin's deployment profile: add "${host}" to the ` +
            `profile setting net`,
          false,
          err,
        );
      }
      throw failed(`the download failed: ${errText(err)}`, true, err);
    }
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => {});
      throw failed(
        `GET ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`,
        res.status >= 500 || res.status === 429,
      );
    }
    let names: string[];
    try {
      const remaining = Math.max(1, timeoutMs - (this.#now() - started));
      names = await images.load(res.body, { signal, timeoutMs: remaining });
    } catch (err) {
      await res.body.cancel().catch(() => {});
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (deadline.aborted) {
        throw failed(`image_pull_timeout of ${formatMs(timeoutMs)} passed`, true);
      }
      throw this.#loadError(image, url, source.format, err, timeoutMs);
    }
    return await this.#loadedId(images, image, url, names, "", ctx);
  }

  #loadError(
    image: string,
    from: string,
    format: ArchiveFormat,
    err: unknown,
    timeoutMs: number,
  ): ImageError {
    const reason = err instanceof PodmanTimeoutError
      ? `image_pull_timeout of ${formatMs(timeoutMs)} passed`
      : err instanceof PodmanApiError && err.podmanMessage !== ""
      ? err.podmanMessage
      : errText(err);
    return new ImageError(
      image,
      from,
      `Cannot load image '${image}' as 'image' from ${format} '${from}': ${reason}`,
      {
        recoverable: !(err instanceof PodmanApiError && err.status >= 400 && err.status < 500),
        cause: err,
      },
    );
  }

  /** Picks the loaded name (the one matching `want`, else the first) and returns its ID. */
  async #loadedId(
    images: ImagesClient,
    image: string,
    from: string,
    names: string[],
    want: string,
    ctx: FlightContext,
  ): Promise<string> {
    const name =
      (want !== ""
        ? names.find((n) => n === want || n.endsWith(`/${want}`) || n === `${want}:latest`)
        : undefined) ?? names[0];
    if (name === undefined) {
      throw new ImageError(
        image,
        from,
        `Cannot load image '${image}' as 'image': Podman loaded no image from '${from}'`,
        { recoverable: false },
      );
    }
    const id = await this.#localId(images, name, ctx.signal);
    if (id === undefined) {
      throw new ImageError(
        image,
        from,
        `Cannot load image '${image}' as 'image': the loaded image '${name}' cannot be found`,
        { recoverable: true },
      );
    }
    this.#logger.info("loaded image", { image: from, name, image_id: id });
    return id;
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

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === "" && u.password === "") return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

/** Formats milliseconds like a Nomad duration (`1s`, `1m30s`, `250ms`). */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
}

function errText(err: unknown): string {
  return errorMessage(err);
}
