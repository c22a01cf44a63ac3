/**
 * Structural checks of a StartTask request before anything reaches Podman:
 * a malformed TaskConfig becomes INVALID_ARGUMENT naming the field, never a
 * Podman 500 or a half-created container.
 *
 * @module
 */
import { InvalidRequestError } from "./errors.ts";
import type { NomadTask } from "./task_request.ts";
import { profileDenied } from "../profile/mod.ts";

const CPUSET = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

function nonNegative(field: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) {
    throw new InvalidRequestError(field, `${field} must not be negative, got ${v}`);
  }
}

function port(field: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min || v > 65535) {
    throw new InvalidRequestError(field, `${field} is not a port number: ${v}`);
  }
}

/**
 * Throws {@link InvalidRequestError} for a TaskConfig Nomad would never send:
 * no id or name, an alloc dir that is not an existing absolute directory,
 * negative resources, an unparsable cpuset, out-of-range ports, a mount or
 * device without paths.
 */
export function checkTaskRequest(task: NomadTask): void {
  if (!task.id) throw new InvalidRequestError("task.id", "StartTask needs task.id");
  if (!task.name) throw new InvalidRequestError("task.name", "StartTask needs task.name");
  if (!task.allocDir.startsWith("/")) {
    throw new InvalidRequestError(
      "task.alloc_dir",
      `task.alloc_dir must be an absolute path, got ${JSON.stringify(task.allocDir.slice(0, 200))}`,
    );
  }
  let isDir = false;
  try {
    isDir = Deno.statSync(task.allocDir).isDirectory;
  } catch (err) {
    const denied = profileDenied(err, "task.alloc_dir", task.allocDir.slice(0, 200), "data_dir");
    if (denied) throw new InvalidRequestError("task.alloc_dir", denied.message);
  }
  if (!isDir) {
    throw new InvalidRequestError(
      "task.alloc_dir",
      `task.alloc_dir ${task.allocDir.slice(0, 200)} is not an existing directory`,
    );
  }
  const r = task.resources;
  nonNegative("resources.cpu_shares", r.cpuShares);
  nonNegative("resources.memory_mb", r.memoryMb);
  if (r.memoryMaxMb !== -1) nonNegative("resources.memory_max_mb", r.memoryMaxMb);
  nonNegative("resources.memory_limit_bytes", r.memoryLimitBytes);
  nonNegative("resources.percent_ticks", r.percentTicks);
  if (r.cpusetCpus !== "" && !CPUSET.test(r.cpusetCpus)) {
    throw new InvalidRequestError(
      "resources.cpuset_cpus",
      `resources.cpuset_cpus is not a cpuset: ${JSON.stringify(r.cpusetCpus.slice(0, 200))}`,
    );
  }
  r.ports.forEach((p, i) => {
    port(`resources.ports[${i}].value`, p.value, 1);
    // `to = -1`: the same port inside as outside; 0: unset.
    port(`resources.ports[${i}].to`, p.to, -1);
  });
  task.mounts.forEach((m, i) => {
    if (!m.taskPath) {
      throw new InvalidRequestError(`mounts[${i}].task_path`, `mounts[${i}].task_path is empty`);
    }
  });
  task.devices.forEach((d, i) => {
    if (!d.hostPath) {
      throw new InvalidRequestError(`devices[${i}].host_path`, `devices[${i}].host_path is empty`);
    }
  });
}
