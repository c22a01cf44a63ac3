/**
 * Operator controls: what a task may ask for is what the plugin config
 * allows. Checked in StartTask before anything is pulled or created; the
 * defaults allow everything (jobs written for the reference driver keep
 * working). Each refusal names the task option, its value and the plugin
 * setting that forbids it.
 *
 * @module
 */
import { posix } from "node:path";
import { normalizeCap, RUNTIME_OPTIONS } from "../config/mod.ts";
import type { PluginConfig, TaskConfig } from "../config/mod.ts";
import { InvalidRequestError } from "./errors.ts";
import { isInside, parseVolume, resolveExisting } from "./spec/mounts.ts";
import type { RealPath } from "./spec/types.ts";
import { type NomadTask, taskDirs } from "./task_request.ts";
import type { AttributeValue } from "./fingerprint.ts";

/** A task asked for something the plugin config forbids. */
export class PolicyError extends InvalidRequestError {
  override name = "PolicyError";
  /** The offending value. */
  readonly value: string;
  /** The plugin setting that forbids it. */
  readonly setting: string;
  constructor(field: string, value: string, setting: string, detail: string) {
    super(
      field,
      `task config ${field} = ${
        JSON.stringify(value)
      } is not allowed: ${detail} (plugin setting ${setting})`,
    );
    this.value = value;
    this.setting = setting;
  }
}

/** `*` matches any characters (also `/`), `?` one character. */
export function globMatch(pattern: string, text: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(text);
}

function list(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(", ")}]`;
}

/** The weakening runtime option a `security_opt` entry amounts to, if any. */
export function weakeningOption(entry: string): string | undefined {
  const m = /^([a-z-]+)[=:](.*)$/.exec(entry.trim());
  if (!m) return undefined;
  const [, key, value] = m as unknown as [string, string, string];
  if (key === "seccomp" && value === "unconfined") return "seccomp=unconfined";
  if (key === "apparmor" && value === "unconfined") return "apparmor=unconfined";
  if (key === "label" && value === "disable") return "label=disable";
  if (key === "systempaths" && value === "unconfined") return "systempaths=unconfined";
  if (key === "unmask" && value.split(":").includes("ALL")) return "unmask=ALL";
  return undefined;
}

function isPermissionError(err: unknown): boolean {
  return err instanceof Deno.errors.PermissionDenied ||
    (typeof Deno.errors.NotCapable === "function" && err instanceof Deno.errors.NotCapable);
}

/**
 * Checks a task against the operator controls.
 *
 * @throws {PolicyError} on the first forbidden request.
 */
export function checkPolicy(
  task: Pick<NomadTask, "allocDir" | "name">,
  config: TaskConfig,
  plugin: Pick<PluginConfig, "policy" | "volumes">,
  realPath: RealPath = Deno.realPathSync,
): void {
  const p = plugin.policy;
  if (config.privileged && !p.allowPrivileged) {
    throw new PolicyError(
      "privileged",
      "true",
      "allow_privileged = false",
      "privileged containers are disabled on this node",
    );
  }
  if (!p.allowCaps.includes("all")) {
    for (const [i, cap] of config.capAdd.entries()) {
      const c = normalizeCap(cap);
      if (c === "all" || !p.allowCaps.includes(c)) {
        throw new PolicyError(
          `cap_add[${i}]`,
          cap,
          `allow_caps = ${list(p.allowCaps)}`,
          "the capability is not in the allowed list",
        );
      }
    }
  }
  if (config.networkMode === "host" && !p.allowHostNetwork) {
    throw new PolicyError(
      "network_mode",
      "host",
      "allow_host_network = false",
      "the host network is disabled on this node",
    );
  }
  if (!p.allowDevices.includes("*")) {
    for (const [i, entry] of config.devices.entries()) {
      const host = posix.normalize(entry.split(":")[0] ?? "");
      if (!p.allowDevices.some((g) => globMatch(g, host))) {
        throw new PolicyError(
          `devices[${i}]`,
          entry,
          `allow_devices = ${list(p.allowDevices)}`,
          `host device ${host} matches none of the allowed patterns`,
        );
      }
    }
  }
  checkRuntimeOptions(config, p.allowRuntimeOptions);
  checkVolumeRoots(task, config, plugin.volumes.allowedRoots, realPath);
}

function checkRuntimeOptions(config: TaskConfig, allowed: string[]): void {
  if (allowed.includes("all")) return;
  const setting = `allow_runtime_options = ${list(allowed)}`;
  const refuse = (field: string, value: string, option: string): never => {
    throw new PolicyError(field, value, setting, `it weakens isolation (${option})`);
  };
  for (const [i, entry] of config.securityOpt.entries()) {
    const option = weakeningOption(entry);
    if (option && !allowed.includes(option)) refuse(`security_opt[${i}]`, entry, option);
  }
  if (config.apparmorProfile === "unconfined" && !allowed.includes("apparmor=unconfined")) {
    refuse("apparmor_profile", "unconfined", "apparmor=unconfined");
  }
  for (const [i, opt] of config.selinuxOpts.entries()) {
    if (opt === "disable" && !allowed.includes("label=disable")) {
      refuse(`selinux_opts[${i}]`, opt, "label=disable");
    }
  }
}

/**
 * Every `volumes` source must lie, after resolving `..` and symlinks, inside
 * an allowed root or inside the task's alloc dir (always mounted anyway).
 */
function checkVolumeRoots(
  task: Pick<NomadTask, "allocDir" | "name">,
  config: TaskConfig,
  roots: string[],
  realPath: RealPath,
): void {
  if (roots.includes("/") || config.volumes.length === 0) return;
  const setting = `volumes.allowed_roots = ${list(roots)}`;
  const resolve = (path: string, field: string, value: string): string => {
    try {
      return resolveExisting(posix.resolve(path), realPath);
    } catch (err) {
      const why = isPermissionError(err)
        ? "the plugin is not permitted to read it (Deno permissions), so its symlinks cannot be checked: add it to the deployment profile setting read (deno task compile -- --read DIR)"
        : err instanceof Error
        ? err.message
        : String(err);
      throw new PolicyError(field, value, setting, `cannot resolve ${path}: ${why}`);
    }
  };
  const dirs = taskDirs({ allocDir: task.allocDir, name: task.name });
  for (const [i, entry] of config.volumes.entries()) {
    const field = `volumes[${i}]`;
    const { source } = parseVolume(entry, dirs.taskDir);
    const real = resolve(source, field, entry);
    const alloc = resolve(task.allocDir, field, entry);
    if (isInside(alloc, real)) continue;
    const ok = roots.some((r) => isInside(resolve(r, setting, r), real));
    if (!ok) {
      throw new PolicyError(
        field,
        entry,
        setting,
        real === source
          ? `${source} is outside the allowed roots`
          : `${source} resolves to ${real}, outside the allowed roots`,
      );
    }
  }
}

/** Fingerprint attributes advertising the restrictions (so jobs can be constrained). */
export function policyAttributes(
  plugin: Pick<PluginConfig, "policy" | "volumes">,
): Record<string, AttributeValue> {
  const p = plugin.policy;
  return {
    "driver.podman.privileged.enabled": { bool: p.allowPrivileged },
    "driver.podman.host_network.enabled": { bool: p.allowHostNetwork },
    "driver.podman.caps.allowed": { string: p.allowCaps.join(",") },
    "driver.podman.devices.allowed": { string: p.allowDevices.join(",") },
    "driver.podman.runtime_options.allowed": {
      string: p.allowRuntimeOptions.includes("all")
        ? RUNTIME_OPTIONS.join(",")
        : p.allowRuntimeOptions.join(","),
    },
    "driver.podman.volumes.allowed_roots": { string: plugin.volumes.allowedRoots.join(",") },
  };
}
