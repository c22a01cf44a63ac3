/**
 * Security: capabilities, SELinux, AppArmor, `security_opt`, privileged,
 * read-only rootfs.
 *
 * @module
 */

import { ConfigError } from "../../config/mod.ts";
import type { TaskConfig } from "../../config/mod.ts";
import type { SpecGenerator, SpecHost } from "./types.ts";

/** Annotations Podman's CLI sets so `inspect` reports them in `HostConfig.SecurityOpt`. */
export const SECURITY_ANNOTATIONS = {
  label: "io.podman.annotations.label",
  apparmor: "io.podman.annotations.apparmor",
  seccomp: "io.podman.annotations.seccomp",
} as const;

function splitList(value: string, sep: string): string[] {
  return value.split(sep).filter((v) => v !== "");
}

/**
 * Applies one `security_opt` entry (`key=value` or `key:value`) to `spec`,
 * like `podman run --security-opt`. Unknown entries throw.
 */
export function applySecurityOpt(spec: SpecGenerator, entry: string): void {
  const bad = (why: string): never => {
    throw new ConfigError("security_opt", entry, why);
  };
  if (entry === "no-new-privileges") {
    spec.no_new_privileges = true;
    return;
  }
  const sep = entry.search(/[=:]/);
  if (sep <= 0) return bad("unknown security option");
  const key = entry.slice(0, sep);
  const value = entry.slice(sep + 1);
  if (value === "") return bad(`"${key}" needs a value`);
  const annotations = (spec.annotations ??= {});
  switch (key) {
    case "no-new-privileges":
      if (value !== "true" && value !== "false") return bad("must be true or false");
      spec.no_new_privileges = value === "true";
      return;
    case "label":
      if (value === "nested") {
        spec.labels_nested = true;
        return;
      }
      spec.selinux_opts = [...(spec.selinux_opts ?? []), value];
      annotations[SECURITY_ANNOTATIONS.label] = spec.selinux_opts.join(",label=");
      return;
    case "apparmor":
      spec.apparmor_profile = value;
      annotations[SECURITY_ANNOTATIONS.apparmor] = value;
      return;
    case "seccomp":
      spec.seccomp_profile_path = value;
      annotations[SECURITY_ANNOTATIONS.seccomp] = value;
      return;
    case "proc-opts":
      spec.procfs_opts = splitList(value, ",");
      return;
    case "mask":
      spec.mask = [...(spec.mask ?? []), ...splitList(value, ":")];
      return;
    case "unmask":
      spec.unmask = [...(spec.unmask ?? []), ...splitList(value, ":")];
      return;
    case "systempaths":
      if (value !== "unconfined") return bad("only systempaths=unconfined is supported");
      spec.unmask = ["ALL"];
      return;
    default:
      return bad("unknown security option");
  }
}

/** Builds caps, SELinux/AppArmor, `security_opt`, `privileged`, `read_only_filesystem`. */
export function buildSecurity(
  config: Pick<
    TaskConfig,
    | "capAdd"
    | "capDrop"
    | "selinuxOpts"
    | "apparmorProfile"
    | "securityOpt"
    | "privileged"
    | "readonlyRootfs"
  >,
  host: Pick<SpecHost, "appArmorEnabled">,
): SpecGenerator {
  const spec: SpecGenerator = {};
  if (config.capAdd.length > 0) spec.cap_add = [...config.capAdd];
  if (config.capDrop.length > 0) spec.cap_drop = [...config.capDrop];
  if (config.selinuxOpts.length > 0) spec.selinux_opts = [...config.selinuxOpts];
  // Podman rejects an AppArmor profile on hosts without AppArmor.
  if (config.apparmorProfile !== "" && host.appArmorEnabled) {
    spec.apparmor_profile = config.apparmorProfile;
  }
  for (const entry of config.securityOpt) applySecurityOpt(spec, entry);
  if (config.privileged) spec.privileged = true;
  if (config.readonlyRootfs) spec.read_only_filesystem = true;
  return spec;
}
