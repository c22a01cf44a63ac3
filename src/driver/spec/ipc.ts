/**
 * `ipcns` and `shm_size`.
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import { taskReference } from "./naming.ts";
import type { Namespace, SpecGenerator } from "./types.ts";

const SIMPLE_MODES = new Set(["host", "private", "shareable", "none"]);

/** Parses `ipc_mode`; `task:NAME` joins the sibling task's container. */
export function parseIpcMode(ipcMode: string, allocId: string): Namespace | undefined {
  if (ipcMode === "") return undefined;
  if (SIMPLE_MODES.has(ipcMode)) return { nsmode: ipcMode };
  const sibling = ipcMode.length > "task:".length ? taskReference(ipcMode, allocId) : undefined;
  if (sibling !== undefined) return { nsmode: "container", value: sibling };
  if (ipcMode.startsWith("container:") && ipcMode.length > "container:".length) {
    return { nsmode: "container", value: ipcMode.slice("container:".length) };
  }
  if (ipcMode.startsWith("ns:/")) return { nsmode: "path", value: ipcMode.slice(3) };
  throw new ConfigError(
    "ipc_mode",
    ipcMode,
    "must be host, private, shareable, none, container:<id>, ns:<path> or task:<name>",
  );
}

/** Builds `ipcns` and `shm_size` (which needs a private or shareable IPC namespace). */
export function buildIpc(
  config: Pick<TaskConfig, "ipcMode" | "shmSize">,
  allocId: string,
): SpecGenerator {
  const ipcns = parseIpcMode(config.ipcMode, allocId);
  const spec: SpecGenerator = {};
  if (ipcns) spec.ipcns = ipcns;
  if (config.shmSize !== undefined) {
    if (ipcns && ipcns.nsmode !== "private" && ipcns.nsmode !== "shareable") {
      throw new ConfigError(
        "shm_size",
        config.shmSize,
        `shm_size cannot be used with ipc_mode=${config.ipcMode}`,
      );
    }
    spec.shm_size = config.shmSize;
  }
  return spec;
}
