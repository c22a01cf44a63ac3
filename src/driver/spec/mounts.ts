/**
 * `mounts`: the task directories, the job's `volumes` and `tmpfs`, and Nomad's
 * host/CSI volume mounts.
 *
 * @module
 */

import { posix } from "node:path";
import { ConfigError } from "../../config/mod.ts";
import type { PluginConfig, TaskConfig } from "../../config/mod.ts";
import { type NomadTask, taskDirs, type TaskMount } from "../task_request.ts";
import type { Mount, RealPath, SpecGenerator } from "./types.ts";
import { errorMessage } from "../../common/mod.ts";

/** Nomad propagation mode → OCI mount option. */
const PROPAGATION: Record<string, string> = {
  "private": "rprivate",
  "host-to-task": "rslave",
  "bidirectional": "rshared",
};

/** True when `child` is `parent` or lies below it (both absolute and normalised). */
export function isInside(parent: string, child: string): boolean {
  if (parent === "/") return true;
  return child === parent || child.startsWith(`${parent}/`);
}

function isMissing(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/**
 * Resolves symlinks in the longest existing prefix of an absolute, normalised
 * path and appends the rest unchanged.
 */
export function resolveExisting(path: string, realPath: RealPath): string {
  let existing = path;
  const rest: string[] = [];
  for (;;) {
    try {
      const real = realPath(existing);
      return rest.length === 0 ? real : posix.join(real, ...rest.reverse());
    } catch (err) {
      if (!isMissing(err) || existing === "/") throw err;
      rest.push(posix.basename(existing));
      existing = posix.dirname(existing);
    }
  }
}

/** A parsed `volumes` entry. */
export interface VolumeSpec {
  source: string;
  destination: string;
  options: string[];
}

/** Parses `"src:dst[:opt,opt]"`; a relative `src` is resolved against `taskDir`. */
export function parseVolume(entry: string, taskDir: string): VolumeSpec {
  const parts = entry.split(":");
  if (parts.length < 2 || parts.length > 3 || parts[0] === "" || parts[1] === "") {
    throw new ConfigError("volumes", entry, 'must be "src:dst[:options]"');
  }
  if (!parts[1].startsWith("/")) {
    throw new ConfigError("volumes", entry, "the container path must be absolute");
  }
  const options = parts.length === 3 ? parts[2].split(",").filter((o) => o !== "") : [];
  return { source: posix.resolve(taskDir, parts[0]), destination: parts[1], options };
}

/**
 * With `volumes.enabled = false`, refuses a source outside the alloc dir,
 * lexically (`..`) and through symlinks.
 */
export function checkVolumeAllowed(
  entry: string,
  source: string,
  allocDir: string,
  realPath: RealPath,
): void {
  const alloc = posix.resolve(allocDir);
  const refuse = (why: string): never => {
    throw new ConfigError(
      "volumes",
      entry,
      `volumes are not enabled in the plugin config; only paths inside the alloc dir can be mounted (${why})`,
    );
  };
  if (!isInside(alloc, source)) refuse(`${source} is outside ${alloc}`);
  let realSource: string;
  let realAlloc: string;
  try {
    realSource = resolveExisting(source, realPath);
    realAlloc = resolveExisting(alloc, realPath);
  } catch (err) {
    return refuse(`cannot resolve ${source}: ${errorMessage(err)}`);
  }
  if (!isInside(realAlloc, realSource)) {
    refuse(`${source} resolves to ${realSource}, outside ${realAlloc}`);
  }
}

/** Parses a `tmpfs` entry `"/path[:opt,opt]"`. */
export function parseTmpfs(entry: string): Mount {
  const at = entry.indexOf(":");
  const destination = at < 0 ? entry : entry.slice(0, at);
  if (!destination.startsWith("/")) {
    throw new ConfigError("tmpfs", entry, 'must be an absolute container path "/path[:options]"');
  }
  const options = at < 0 ? [] : entry.slice(at + 1).split(",").filter((o) => o !== "");
  return { type: "tmpfs", source: "tmpfs", destination, ...(options.length ? { options } : {}) };
}

/** Maps one Nomad host/CSI volume mount. */
export function nomadMount(mount: TaskMount, pluginLabel: string, privileged: boolean): Mount {
  const options: string[] = [];
  if (mount.readonly) options.push("ro");
  const propagation = PROPAGATION[mount.propagationMode];
  if (propagation) options.push(propagation);
  const label = mount.selinuxLabel || pluginLabel;
  if (label && !privileged) options.push(label);
  return {
    type: "bind",
    source: mount.hostPath,
    destination: mount.taskPath,
    ...(options.length ? { options } : {}),
  };
}

/** Builds `mounts`. */
export function buildMounts(
  task: Pick<NomadTask, "allocDir" | "name" | "env" | "mounts">,
  config: Pick<TaskConfig, "volumes" | "tmpfs" | "privileged">,
  plugin: Pick<PluginConfig, "volumes">,
  realPath: RealPath = Deno.realPathSync,
): SpecGenerator {
  const dirs = taskDirs(task);
  const label = config.privileged ? "" : plugin.volumes.selinuxLabel;
  const dirOptions = label ? { options: [label] } : {};
  const mounts: Mount[] = [
    [dirs.sharedAllocDir, task.env.NOMAD_ALLOC_DIR || "/alloc"],
    [dirs.localDir, task.env.NOMAD_TASK_DIR || "/local"],
    [dirs.secretsDir, task.env.NOMAD_SECRETS_DIR || "/secrets"],
  ].map(([source, destination]): Mount => ({ type: "bind", source, destination, ...dirOptions }));

  for (const entry of config.volumes) {
    const vol = parseVolume(entry, dirs.taskDir);
    if (!plugin.volumes.enabled) checkVolumeAllowed(entry, vol.source, task.allocDir, realPath);
    mounts.push({
      type: "bind",
      source: vol.source,
      destination: vol.destination,
      ...(vol.options.length ? { options: vol.options } : {}),
    });
  }
  for (const mount of task.mounts) {
    mounts.push(nomadMount(mount, plugin.volumes.selinuxLabel, config.privileged));
  }
  for (const entry of config.tmpfs) mounts.push(parseTmpfs(entry));
  return { mounts };
}
