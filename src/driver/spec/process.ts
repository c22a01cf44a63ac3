/**
 * The container's process: name, image, entrypoint/command/args, working dir,
 * hostname, user, init, tty.
 *
 * @module
 */

import type { TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import { containerName } from "./naming.ts";
import type { SpecGenerator } from "./types.ts";

/** Nomad's dynamic workload users are named `nomad-<id>`; they have no passwd entry. */
const DYNAMIC_USER = /^nomad-(\d+)$/;

/**
 * Maps the Nomad task `user` to Podman's `user`: a dynamic user
 * `nomad-<n>` becomes the numeric `<n>:<n>`, anything else passes through.
 */
export function mapUser(user: string): string | undefined {
  if (user === "") return undefined;
  const m = DYNAMIC_USER.exec(user);
  return m ? `${m[1]}:${m[1]}` : user;
}

/** Builds name, image, entrypoint, command, work_dir, hostname, user, init, terminal. */
export function buildProcess(
  task: Pick<NomadTask, "name" | "allocId" | "user" | "networkIsolation">,
  config: Pick<
    TaskConfig,
    "entrypoint" | "command" | "args" | "workingDir" | "hostname" | "init" | "initPath" | "tty"
  >,
  imageId: string,
): SpecGenerator {
  const spec: SpecGenerator = {
    name: containerName(task.name, task.allocId),
    image: imageId,
  };
  if (config.entrypoint !== undefined) spec.entrypoint = [...config.entrypoint];
  if (config.command !== "") spec.command = [config.command, ...config.args];
  else if (config.args.length > 0) spec.command = [...config.args];
  if (config.workingDir !== "") spec.work_dir = config.workingDir;
  // The group network's hostname (network { hostname = ... }) is the fallback.
  const hostname = config.hostname || task.networkIsolation?.hostname || "";
  if (hostname !== "") spec.hostname = hostname;
  const user = mapUser(task.user);
  if (user !== undefined) spec.user = user;
  if (config.init) {
    spec.init = true;
    if (config.initPath !== "") spec.init_path = config.initPath;
  }
  if (config.tty) spec.terminal = true;
  return spec;
}
