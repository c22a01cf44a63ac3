/**
 * Image references, in one place: the docker reference parser, the short-name
 * rule, the task `image` value's transports (`docker://`, `oci-archive:`,
 * `docker-archive:`) and repo-tag matching. Used by image resolution
 * (`images.ts`), registry credentials (`registry_auth.ts`) and image GC
 * (`image_gc.ts`), so the three never disagree on what a name means.
 *
 * @module
 */

import { RecoverableError } from "./errors.ts";
import { errorMessage } from "../common/mod.ts";

/** A docker image reference split into its parts. */
export interface DockerReference {
  /** Registry host, with port if any (`registry.example.com:5000`); `docker.io` by default. */
  host: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  /** Tag, or `""` when none was written. */
  tag: string;
  /** Digest (`sha256:…`), or `""` when none was written. */
  digest: string;
}

const SCHEME_RE = /^(?:docker:\/\/|https?:\/\/)/;

/**
 * Whether a path component names a registry host, as containers/image
 * decides it: it contains `.` or `:`, is `localhost`, or has upper-case
 * letters (repository paths are lower-case).
 *
 * @param component The first path component of a reference.
 * @returns `true` for `quay.io`, `127.0.0.1:5000`, `localhost`, `MyHost`.
 */
export function isRegistryHost(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost" ||
    component !== component.toLowerCase();
}

/**
 * Whether `ref` is a short name (no registry host): it has no `/`, or its
 * first component is not a host ({@linkcode isRegistryHost}). Short names
 * are resolved by Podman's registries.conf.
 *
 * @param ref An image reference without a transport prefix.
 * @returns `true` for `busybox`, `redis:7`, `library/redis`; `false` for
 * `quay.io/x`, `localhost/x`, `127.0.0.1:5000/x`.
 */
export function isShortName(ref: string): boolean {
  const slash = ref.indexOf("/");
  return slash < 0 || !isRegistryHost(ref.slice(0, slash));
}

/** Drops a `docker://`, `http://` or `https://` prefix (and surrounding blanks). */
export function stripScheme(ref: string): string {
  return ref.trim().replace(SCHEME_RE, "");
}

/**
 * Parses a docker reference (`[docker://][host[:port]/]path[:tag][@digest]`).
 * A `host:port/repo` without a tag keeps its port in `host` and gets no tag
 * (the reference driver mis-parsed it). Short names get the `docker.io`
 * host and, for a single component, the `library/` path prefix.
 *
 * @param ref The reference; `docker://`, `http://` and `https://` prefixes are dropped.
 * @returns Its parts.
 * @throws {SyntaxError} when the reference has no repository path.
 */
export function parseDockerReference(ref: string): DockerReference {
  let name = stripScheme(ref);
  let digest = "";
  const at = name.indexOf("@");
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
  }
  let tag = "";
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  if (colon >= 0) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  let host = "docker.io";
  let path = name;
  if (!isShortName(name)) {
    const slash = name.indexOf("/");
    host = name.slice(0, slash);
    path = name.slice(slash + 1);
  }
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  if (path === "" || path.endsWith("/") || path.startsWith("/")) {
    throw new SyntaxError(`Cannot parse image reference '${ref}': the repository path is empty`);
  }
  return { host: normaliseHost(host), path, tag, digest };
}

/**
 * The canonical form `host/path:tag[@digest]` (`:latest` when neither a tag
 * nor a digest was written).
 *
 * @param ref The parsed reference.
 * @returns e.g. `docker.io/library/busybox:latest`.
 */
export function formatDockerReference(ref: DockerReference): string {
  const tag = ref.tag !== "" ? `:${ref.tag}` : ref.digest === "" ? ":latest" : "";
  const digest = ref.digest !== "" ? `@${ref.digest}` : "";
  return `${ref.host}/${ref.path}${tag}${digest}`;
}

/** Maps Docker Hub's index hosts to `docker.io`. */
export function normaliseHost(host: string): string {
  return host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
}

/** Archive transports. */
export type ArchiveFormat = "oci-archive" | "docker-archive";

/** Where an image comes from, after parsing the task's `image`. */
export type ImageSource =
  | {
    kind: "registry";
    /** The reference handed to Podman (normalised, or the short name as written). */
    ref: string;
    /** A short name: registries.conf decides the registry. */
    short: boolean;
    /** `localhost/…`: never pulled. */
    localOnly: boolean;
  }
  | {
    kind: "archive-file";
    format: ArchiveFormat;
    /** Local path of the archive. */
    path: string;
    /** The `:ref` suffix (image inside the archive), or `""`. */
    ref: string;
  }
  | {
    kind: "archive-url";
    format: ArchiveFormat;
    /** `http(s)://…` URL of the archive. */
    url: string;
  };

/**
 * A task's `image` could not be resolved. `field` is always `image`,
 * `value` the configured value, `reference` what was looked up or pulled.
 */
export class ImageError extends RecoverableError {
  override name = "ImageError";
  /** The task config option concerned. */
  readonly field = "image";
  /** The task's `image` as configured. */
  readonly value: string;
  /** The normalised reference, path or URL the driver used. */
  readonly reference: string;

  constructor(
    value: string,
    reference: string,
    message: string,
    options: { recoverable: boolean; cause?: unknown },
  ) {
    super(message, options);
    this.value = value;
    this.reference = reference;
  }
}

const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ["oci-archive", "docker-archive"];

/**
 * Parses the task's `image` option.
 *
 * - `docker://x` is a docker reference (normalised like Podman's `docker://`
 *   transport); fully qualified names are normalised (`:latest` added);
 *   short names are left as written, for registries.conf.
 * - `oci-archive:/path[:ref]`, `docker-archive:/path[:ref]` and
 *   `…-archive:http(s)://…` are archives.
 *
 * @param image The configured value.
 * @returns The source.
 * @throws {ImageError} when it is empty, an archive has no path, or the reference has no repository.
 */
export function parseImageSource(image: string): ImageSource {
  const raw = image.trim();
  if (raw === "") {
    throw new ImageError(image, "", "Cannot start task as 'image' is empty: image name required", {
      recoverable: false,
    });
  }
  const archive = parseArchiveSource(image, raw);
  if (archive !== undefined) return archive;
  const explicitDocker = raw.startsWith("docker://");
  const name = explicitDocker ? raw.slice("docker://".length) : raw;
  if (!explicitDocker && isShortName(name)) {
    return { kind: "registry", ref: name, short: true, localOnly: false };
  }
  let ref: string;
  try {
    ref = formatDockerReference(parseDockerReference(name));
  } catch (err) {
    throw new ImageError(
      image,
      name,
      `Cannot use image '${image}' as 'image': ${errorMessage(err)}`,
      { recoverable: false, cause: err },
    );
  }
  return { kind: "registry", ref, short: false, localOnly: ref.startsWith("localhost/") };
}

function parseArchiveSource(image: string, raw: string): ImageSource | undefined {
  for (const format of ARCHIVE_FORMATS) {
    if (!raw.startsWith(`${format}:`)) continue;
    const rest = raw.slice(format.length + 1);
    if (/^https?:\/\//i.test(rest)) return { kind: "archive-url", format, url: rest };
    const colon = rest.indexOf(":");
    const path = colon < 0 ? rest : rest.slice(0, colon);
    if (path === "") {
      throw new ImageError(
        image,
        "",
        `Cannot use image '${image}' as 'image': the ${format} path is empty`,
        { recoverable: false },
      );
    }
    return { kind: "archive-file", format, path, ref: colon < 0 ? "" : rest.slice(colon + 1) };
  }
  return undefined;
}

/**
 * The repo tag a task's `image` value can stand for: the normalised reference
 * of a registry image, or the `:ref` of an archive file. `""` for anything
 * else (an archive URL, an unparsable value).
 *
 * @param image The task's `image`.
 * @returns The reference, or `""`.
 */
export function referenceOf(image: string): string {
  try {
    const s = parseImageSource(image);
    if (s.kind === "registry") return s.ref;
    if (s.kind === "archive-file") return s.ref;
    return "";
  } catch {
    return "";
  }
}

/**
 * Whether the repo tag `tag` is what reference `ref` names. A short name
 * matches the same name under any registry (registries.conf picked it):
 * `<host>/name` or `<host>/library/name`.
 *
 * @param tag A repo tag of a local image (`docker.io/library/busybox:latest`).
 * @param ref A reference from {@linkcode referenceOf}.
 * @returns Whether they name the same image.
 */
export function tagMatches(tag: string, ref: string): boolean {
  if (ref === "") return false;
  const last = ref.slice(ref.lastIndexOf("/") + 1);
  const full = last.includes(":") || ref.includes("@") ? ref : `${ref}:latest`;
  if (tag === ref || tag === full) return true;
  if (!isShortName(ref)) return false;
  const slash = tag.indexOf("/");
  if (slash < 0 || !isRegistryHost(tag.slice(0, slash))) return false;
  const rest = tag.slice(slash + 1);
  return rest === full || rest === `library/${full}`;
}
