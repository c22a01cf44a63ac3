/**
 * `devices`: the job's `devices` strings and Nomad device-plugin devices.
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { NomadTask } from "../task_request.ts";
import type { Device, SpecGenerator } from "./types.ts";

/** cgroup device permissions: any of r, w, m. */
const PERMS = /^[rwm]{1,3}$/;

/**
 * Builds `devices`. A job entry `host[:container][:perms]` goes into `path`
 * whole (Podman splits it); Nomad devices become `host:task:perms`.
 */
export function buildDevices(
  task: Pick<NomadTask, "devices">,
  config: Pick<TaskConfig, "devices">,
): SpecGenerator {
  const devices: Device[] = [];
  for (const entry of config.devices) {
    const parts = entry.split(":");
    if (parts.length > 3 || !parts[0].startsWith("/")) {
      throw new ConfigError("devices", entry, 'must be "/host/path[:/container/path][:perms]"');
    }
    const last = parts[parts.length - 1];
    if (parts.length === 3 && !PERMS.test(last)) {
      throw new ConfigError("devices", entry, "permissions must be a combination of r, w and m");
    }
    devices.push({ path: entry });
  }
  for (const dev of task.devices) {
    const perms = dev.cgroupPermissions || "rwm";
    devices.push({ path: `${dev.hostPath}:${dev.taskPath || dev.hostPath}:${perms}` });
  }
  return devices.length > 0 ? { devices } : {};
}
