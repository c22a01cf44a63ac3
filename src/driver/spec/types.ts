/**
 * The subset of libpod's `SpecGenerator` (Podman 4.x `pkg/specgen`) that the
 * driver sends to `POST /libpod/containers/create`, with the exact JSON keys,
 * plus the inputs of the spec builders.
 *
 * @module
 */

import type { PluginConfig, TaskConfig } from "../../config/types.ts";
import type { NomadTask } from "../task_request.ts";
import type { HostFacts } from "../host_facts.ts";

/** libpod `specgen.Namespace`. */
export interface Namespace {
  /** `host`, `private`, `path`, `container`, `bridge`, `none`, `slirp4netns`, `pasta`, `auto`, `keep-id`, `nomap`, `shareable`. */
  nsmode: string;
  value?: string;
}

/** OCI `specs.Mount`. */
export interface Mount {
  destination: string;
  type: "bind" | "tmpfs";
  source?: string;
  options?: string[];
}

/** OCI `specs.LinuxDevice`; Podman parses `path` as `host[:container][:perms]`. */
export interface Device {
  path: string;
}

/** OCI `specs.POSIXRlimit`. */
export interface Rlimit {
  type: string;
  soft: number;
  hard: number;
}

/** containers/storage `IDMap` (JSON tags are snake_case). */
export interface IdMap {
  container_id: number;
  host_id: number;
  size: number;
}

/**
 * containers/storage `IDMappingOptions`. The Go struct has no JSON tags, so the
 * keys are the Go field names.
 */
export interface IdMappings {
  HostUIDMapping?: boolean;
  HostGIDMapping?: boolean;
  UIDMap?: IdMap[];
  GIDMap?: IdMap[];
  AutoUserNs?: boolean;
  AutoUserNsOpts?: {
    Size?: number;
    InitialSize?: number;
    AdditionalUIDMappings?: IdMap[];
    AdditionalGIDMappings?: IdMap[];
  };
}

/** libpod `nettypes.PortMapping`. */
export interface PortMapping {
  host_ip?: string;
  host_port: number;
  container_port: number;
  protocol: "tcp" | "udp";
}

/** libpod `nettypes.PerNetworkOptions` (Podman ≥ 4.0). */
export interface PerNetworkOptions {
  static_ips?: string[];
  static_mac?: string;
  aliases?: string[];
  interface_name?: string;
}

/** libpod `specgen.LogConfig`. */
export interface LogConfiguration {
  driver: string;
  path?: string;
  options?: Record<string, string>;
}

/** OCI `specs.LinuxResources` (only what we set). */
export interface ResourceLimits {
  memory?: { limit?: number; reservation?: number; swap?: number; swappiness?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string };
  pids?: { limit: number };
}

/** The create body: libpod `SpecGenerator` JSON, only the keys we use. */
export interface SpecGenerator {
  // ContainerBasicConfig
  name?: string;
  entrypoint?: string[];
  command?: string[];
  env?: Record<string, string>;
  terminal?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_configuration?: LogConfiguration;
  hostname?: string;
  sysctl?: Record<string, string>;
  /** Podman ≥ 4.8 only; older servers ignore it. */
  labels_nested?: boolean;
  // ContainerStorageConfig
  image?: string;
  init?: boolean;
  init_path?: string;
  mounts?: Mount[];
  devices?: Device[];
  ipcns?: Namespace;
  shm_size?: number;
  work_dir?: string;
  // ContainerSecurityConfig
  privileged?: boolean;
  user?: string;
  cap_add?: string[];
  cap_drop?: string[];
  selinux_opts?: string[];
  apparmor_profile?: string;
  seccomp_profile_path?: string;
  no_new_privileges?: boolean;
  userns?: Namespace;
  idmappings?: IdMappings;
  read_only_filesystem?: boolean;
  procfs_opts?: string[];
  mask?: string[];
  unmask?: string[];
  // ContainerCgroupConfig
  cgroup_parent?: string;
  // ContainerNetworkConfig
  netns?: Namespace;
  portmappings?: PortMapping[];
  dns_server?: string[];
  dns_search?: string[];
  dns_option?: string[];
  hostadd?: string[];
  /** Per network-mode options, e.g. `{ slirp4netns: ["allow_host_loopback=true"] }`. */
  network_options?: Record<string, string[]>;
  Networks?: Record<string, PerNetworkOptions>;
  // ContainerResourceConfig
  resource_limits?: ResourceLimits;
  r_limits?: Rlimit[];
  oom_score_adj?: number;
  // ContainerHealthCheckConfig (durations in nanoseconds)
  healthconfig?: HealthConfigSpec;
}

/** libpod's `healthconfig` (Docker's Schema2HealthConfig). */
export interface HealthConfigSpec {
  /** `["NONE"]` disables; `["CMD-SHELL", cmd]` or `["CMD", ...argv]`. */
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The image's HEALTHCHECK, in nanoseconds (0: Podman's default). */
export interface ImageHealthcheck {
  test: string[];
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  retries: number;
}

/** The host facts the spec builders read: a view of the one {@link HostFacts}. */
export type SpecHost = Pick<
  HostFacts,
  "rootless" | "cgroupVersion" | "cgroupManager" | "apiVersion" | "numCpus" | "appArmorEnabled"
>;

/** Resolves symlinks of an existing path (`Deno.realPathSync` by default). */
export type RealPath = (path: string) => string;

/** Everything the spec builders read. */
export interface SpecInput {
  task: NomadTask;
  config: TaskConfig;
  plugin: PluginConfig;
  host: SpecHost;
  /** The resolved image ID (not the name). */
  imageId: string;
  /** Injectable for tests; defaults to `Deno.realPathSync`. */
  realPath?: RealPath;
  /** The image's HEALTHCHECK, needed only when `healthchecks` adjusts it without `cmd`. */
  imageHealthcheck?: ImageHealthcheck | undefined;
}
