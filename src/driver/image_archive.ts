/**
 * Images from archives: `oci-archive:` / `docker-archive:` files streamed into
 * `images/load`, and the same from an http(s) URL (the download streamed, the
 * whole under `image_pull_timeout`).
 *
 * @module
 */
import { isNotCapable } from "../profile/mod.ts";
import type { TaskConfig } from "../config/mod.ts";
import { PodmanApiError, PodmanNotFoundError, PodmanTimeoutError } from "../podman/mod.ts";
import type { ImagesApi } from "../podman/mod.ts";
import type { Logger } from "../plugin_log/mod.ts";
import { errorMessage } from "../common/mod.ts";
import { type ArchiveFormat, ImageError, type ImageSource } from "./image_ref.ts";
import type { FlightContext } from "./image_flight.ts";

/** The Podman image calls archive loading and the local lookup use. */
type Images = Pick<ImagesApi, "inspect" | "load">;

/** Formats milliseconds like a Nomad duration (`1s`, `1m30s`, `250ms`). */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return rest === 0 ? `${m}m` : `${m}m${rest}s`;
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

/** The local image's ID, or `undefined` when it is absent (other errors are logged). */
export async function localImageId(
  images: Pick<ImagesApi, "inspect">,
  ref: string,
  signal: AbortSignal,
  logger: Logger,
): Promise<string | undefined> {
  try {
    const info = await images.inspect(ref, { signal });
    return info.id !== "" ? info.id : undefined;
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    if (!(err instanceof PodmanNotFoundError)) {
      logger.warn("local image lookup failed; pulling instead", {
        image: ref,
        error: errorMessage(err),
      });
    }
    return undefined;
  }
}

function loadError(
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
    : errorMessage(err);
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

/** Loads images from archive files and URLs. */
export class ArchiveLoader {
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(options: { logger: Logger; fetch: typeof fetch; now: () => number }) {
    this.#logger = options.logger;
    this.#fetch = options.fetch;
    this.#now = options.now;
  }

  /** Streams an archive file into `images/load`. */
  async loadFile(
    images: Images,
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
        : `the file cannot be opened: ${errorMessage(err)}`;
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
      throw loadError(image, source.path, source.format, err, config.imagePullTimeoutMs);
    } finally {
      try {
        file.close();
      } catch {
        // Already closed by the stream.
      }
    }
    return await this.#loadedId(images, image, source.path, names, source.ref, ctx);
  }

  /** Streams an archive download into `images/load`, all under `image_pull_timeout`. */
  async loadUrl(
    images: Images,
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
      throw failed(`the download failed: ${errorMessage(err)}`, true, err);
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
      throw loadError(image, url, source.format, err, timeoutMs);
    }
    return await this.#loadedId(images, image, url, names, "", ctx);
  }

  /** Picks the loaded name (the one matching `want`, else the first) and returns its ID. */
  async #loadedId(
    images: Images,
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
    const id = await localImageId(images, name, ctx.signal, this.#logger);
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
