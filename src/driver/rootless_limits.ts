/**
 * Rootless Podman on a cgroups v1 host cannot apply resource limits (no
 * cgroup delegation to the user): Podman drops them with a warning, and the
 * verify-after-create would then report "Podman did not apply memory", which
 * explains nothing. So the driver decides before create:
 *
 * - by default such a task is refused with an error naming the socket and the
 *   plugin option `rootless_without_limits`;
 * - with `rootless_without_limits = true` the limits are left out of the spec
 *   (nothing to verify) and a TaskEvent says the task runs without them.
 *
 * The fingerprint reports `driver.podman.<socket>.resourceLimits = false` for
 * such a socket (see fingerprint.ts).
 *
 * @module
 */
import type { PluginConfig } from "../config/mod.ts";
import { InvalidRequestError } from "./errors.ts";
import type { SpecGenerator, SpecHost } from "./spec/mod.ts";

/** Whether Podman can apply cgroup limits on a host with these facts. */
export function limitsApply(host: { rootless: boolean; cgroupVersion: number | string }): boolean {
  const v1 = host.cgroupVersion === 1 || host.cgroupVersion === "v1" || host.cgroupVersion === "1";
  return !(host.rootless && v1);
}

/**
 * Applies the policy to a built spec (in place).
 *
 * @returns the TaskEvent message to send, or `undefined` when nothing was dropped.
 * @throws {InvalidRequestError} (`resources`) when limits would be dropped without the opt-in.
 */
export function applyRootlessLimits(
  spec: SpecGenerator,
  host: Pick<SpecHost, "rootless" | "cgroupVersion">,
  plugin: Pick<PluginConfig, "rootlessWithoutLimits">,
  socket: { name: string; socketPath: string },
): string | undefined {
  if (limitsApply(host)) return undefined;
  const limits = spec.resource_limits;
  const kinds = limits ? Object.keys(limits).sort() : [];
  if (kinds.length === 0) return undefined;
  if (!plugin.rootlessWithoutLimits) {
    throw new InvalidRequestError(
      "resources",
      `socket "${socket.name}" (${socket.socketPath}) is rootless Podman on a cgroups v1 host, ` +
        `which cannot apply the task's resource limits (${kinds.join(", ")}); set the plugin ` +
        `option rootless_without_limits = true to run such tasks without limits, or use cgroups v2`,
    );
  }
  delete spec.resource_limits;
  return `Running without resource limits (${kinds.join(", ")}): socket "${socket.name}" is ` +
    `rootless Podman on cgroups v1 (rootless_without_limits = true)`;
}
