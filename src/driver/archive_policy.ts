/**
 * Where `oci-archive:` / `docker-archive:` files may come from: the task's own
 * alloc dir (where Nomad's `artifact` blocks put them) and the operator's
 * `image_archive_roots`. Anything else is refused before a byte is read, so a
 * job cannot make the plugin (often root) upload `/etc/shadow` to Podman.
 *
 * A relative path is taken relative to the task dir (`local/app.tar`).
 * Symlinks are resolved before the check (an artifact may contain one).
 *
 * @module
 */
import type { TaskConfig } from "../config/mod.ts";
import { isNotCapable } from "../profile/mod.ts";
import { ImageError, parseImageSource } from "./images.ts";
import { errorMessage } from "../common/mod.ts";

/** What the check needs about the task. */
export interface ArchiveTask {
  allocDir: string;
  name: string;
}

/** Resolves symlinks (`Deno.realPathSync` by default). */
export type RealPath = (path: string) => string;

/** Lexical normalisation: resolves `.`, `..` and repeated slashes of an absolute path. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** Whether `path` is `dir` or inside it (both normalised). */
export function isWithin(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** The archive's real path; a missing file, one outside the profile, or an unresolvable one is refused. */
function resolveArchive(
  image: string,
  format: string,
  wanted: string,
  realPath: RealPath,
  refuse: (path: string, why: string) => ImageError,
): string {
  try {
    return realPath(wanted);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new ImageError(
        image,
        wanted,
        `Cannot load image '${image}' as 'image' from ${format} '${wanted}': ` +
          `the file does not exist`,
        { recoverable: false, cause: err },
      );
    }
    if (isNotCapable(err)) {
      throw new ImageError(
        image,
        wanted,
        `Cannot load image '${image}' as 'image': the ${format} file ${wanted} is ` +
          `outside the plugin's deployment profile: add its directory to the profile setting ` +
          `image_archive_root (or data_dir for alloc dirs)`,
        { recoverable: false, cause: err },
      );
    }
    throw refuse(wanted, `cannot be resolved (${errorMessage(err)})`);
  }
}

/**
 * Checks the task's `image` when it is a local archive.
 *
 * @returns the config to resolve with: unchanged, or with the archive's real
 * (absolute, symlink-free) path in `image`.
 * @throws {ImageError} (not recoverable) naming the path, the alloc dir and
 * the plugin option `image_archive_roots`.
 */
export function checkArchiveSource(
  config: TaskConfig,
  task: ArchiveTask,
  roots: readonly string[],
  realPath: RealPath = Deno.realPathSync,
): TaskConfig {
  const source = parseImageSource(config.image);
  if (source.kind !== "archive-file") return config;
  const taskDir = `${task.allocDir}/${task.name}`;
  const wanted = normalizePath(
    source.path.startsWith("/") ? source.path : `${taskDir}/${source.path}`,
  );
  const allowed = [normalizePath(task.allocDir), ...roots.map(normalizePath)];
  const refuse = (path: string, why: string) =>
    new ImageError(
      config.image,
      path,
      `Cannot load image '${config.image}' as 'image': the ${source.format} file ${path} ${why}; ` +
        `archives load only from the task's alloc dir (${task.allocDir}) or a directory of the ` +
        `plugin option image_archive_roots`,
      { recoverable: false },
    );
  // Lexically first: nothing outside is even looked at.
  if (!allowed.some((dir) => isWithin(wanted, dir))) throw refuse(wanted, "is outside them");
  const real = resolveArchive(config.image, source.format, wanted, realPath, refuse);
  const realAllowed = allowed.map((dir) => {
    try {
      return realPath(dir);
    } catch {
      return dir;
    }
  });
  if (!realAllowed.some((dir) => isWithin(real, dir))) {
    throw refuse(wanted, `resolves (through a symlink) to ${real}, which is outside them`);
  }
  const ref = source.ref === "" ? "" : `:${source.ref}`;
  return { ...config, image: `${source.format}:${real}${ref}` };
}
