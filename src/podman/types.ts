/**
 * The typed subset of Podman's answers that this client reads. Decoders in
 * `_decode.ts` fill these leniently from Podman 4 and 5 shapes; absent fields
 * get neutral values (`""`, `0`, `false`, `[]`) or `undefined` where the
 * difference matters. The create body (`SpecGenerator`) is here too.
 *
 * Over 400 lines on purpose: this is the one file of Podman's wire shapes
 * (answers and the create body), all plain types; splitting it would only
 * spread one vocabulary over several files.
 *
 * @module
 */

/** Answer of `_ping`. */
export interface PingResult {
  /** `Libpod-API-Version` header (e.g. `4.3.1`); `""` if the server sent none. */
  apiVersion: string;
  /** From the `Server: Libpod/x.y.z` header; `""` if absent. */
  libpodVersion: string;
}

/** The subset of `GET /libpod/info` used for fingerprinting. */
export interface SystemInfo {
  /** False when the answer had no `host` object (seen in old versions). */
  hasHost: boolean;
  rootless: boolean;
  /** `v1` or `v2`. */
  cgroupVersion: string;
  /** `systemd` or `cgroupfs`. */
  cgroupManager: string;
  apparmorEnabled: boolean;
  selinuxEnabled: boolean;
  seccompEnabled: boolean;
  /** Default capabilities, comma-separated as Podman reports them. */
  capabilities: string;
  /** `undefined` when Podman reported no OCI runtime. */
  ociRuntimePath: string | undefined;
  /** `undefined` when Podman reported no remote socket. */
  remoteSocketPath: string | undefined;
  /** Podman's version (`version.Version`). */
  version: string;
  cpus: number;
  /** Bytes. */
  memTotal: number;
  /** `store.runRoot`: containers-storage's run root ("" when not reported). */
  runRoot: string;
}

/** Answer of container create. */
export interface CreateResult {
  id: string;
  warnings: string[];
}

/** `State` of a container inspect. */
export interface ContainerState {
  /** `created`, `running`, `exited`, `stopped`, `paused`, … */
  status: string;
  running: boolean;
  paused: boolean;
  oomKilled: boolean;
  pid: number;
  exitCode: number;
  /** Podman's `State.Error`, `""` when none. */
  error: string;
  /** `undefined` when Podman reports the zero time. */
  startedAt: Date | undefined;
  /** `undefined` when Podman reports the zero time. */
  finishedAt: Date | undefined;
}

/** A container's health (`State.Health`, or the answer of a healthcheck run). */
export interface ContainerHealth {
  /** `starting`, `healthy`, `unhealthy`, or `""` when the container has no check. */
  status: string;
  failingStreak: number;
  /** How many results Podman keeps in its log (0: no check has run yet). */
  runs: number;
  /** Output of the newest check, `""` when none. */
  lastOutput: string;
  /** Exit code of the newest check, -1 when none. */
  lastExitCode: number;
}

/** One network attachment of a container. */
export interface ContainerNetwork {
  ipAddress: string;
  globalIPv6Address: string;
  macAddress: string;
}

/** The subset of `GET /libpod/containers/{id}/json` the driver reads. */
export interface ContainerInspect {
  id: string;
  name: string;
  /** Image id. */
  image: string;
  /** The image reference the container was created from. */
  imageName: string;
  created: Date | undefined;
  state: ContainerState;
  /** `State.Health` (status `""` when the container has no healthcheck). */
  health: ContainerHealth;
  /** The container's healthcheck (`Config.Healthcheck`), `undefined` when none. */
  healthcheck: HealthcheckSettings | undefined;
  config: {
    /**
     * Podman 4 reports a space-joined string, Podman 5 an array; both become
     * an array (`[]` when unset).
     */
    entrypoint: string[];
    cmd: string[];
    env: string[];
    labels: Record<string, string>;
    tty: boolean;
    user: string;
    workingDir: string;
    /**
     * Podman 4 reports a number (15), Podman 5 a name (`SIGTERM`); normalised
     * to the name, or `""` when unset.
     */
    stopSignal: string;
  };
  network: {
    ipAddress: string;
    globalIPv6Address: string;
    networks: Record<string, ContainerNetwork>;
  };
}

/** One entry of `GET /libpod/containers/json`. */
export interface ContainerListEntry {
  id: string;
  names: string[];
  /** `running`, `exited`, `created`, … */
  state: string;
  labels: Record<string, string>;
  image: string;
  imageId: string;
  created: Date | undefined;
  exited: boolean;
  exitCode: number;
  /** The container's main process on the host (0 when not running). */
  pid: number;
}

/** The subset of `GET /libpod/images/{name}/json` used. */
export interface ImageInspect {
  id: string;
  os: string;
  architecture: string;
  variant: string;
  repoTags: string[];
  /** The image's HEALTHCHECK (Docker-format images only), `undefined` when none. */
  healthcheck: HealthcheckSettings | undefined;
}

/** A healthcheck definition; durations in nanoseconds as Podman reports them (0: default). */
export interface HealthcheckSettings {
  test: string[];
  intervalNs: number;
  timeoutNs: number;
  startPeriodNs: number;
  retries: number;
}

/** One report of the image pull stream. */
export interface PullReport {
  stream: string;
  error: string;
  images: string[];
  id: string;
}

/** A Podman event (from `GET /libpod/events`). */
export interface PodmanEvent {
  /** `container`, `image`, `pod`, `volume`, … */
  type: string;
  /** `start`, `died`, `oom`, `remove`, … (`status` in the libpod answer). */
  action: string;
  /** Object id (container id for container events). */
  id: string;
  /** `Actor.Attributes.name`, `""` when absent. */
  name: string;
  /** `from` (the image) for container events. */
  image: string;
  /** `containerExitCode` attribute parsed, when present and numeric. */
  exitCode: number | undefined;
  attributes: Record<string, string>;
  /** Nanoseconds since the epoch, exact (parsed from the raw text). */
  timeNano: bigint;
}

/** One container sample of libpod's `/containers/stats`. */
export interface StatsSample {
  containerId: string;
  name: string;
  /** Cumulative CPU time, nanoseconds. */
  cpuNano: number;
  /** Cumulative kernel-mode CPU time, nanoseconds. */
  cpuSystemNano: number;
  /** Cumulative user-mode CPU time (`cpuNano - cpuSystemNano`), nanoseconds. */
  cpuUserNano: number;
  /** Podman's sampling clock, nanoseconds (wall clock in 4.3.1). */
  systemNano: number;
  /** Podman's CPU percentage over the last interval. */
  cpuPercent: number;
  /** Bytes. */
  memUsage: number;
  /** Bytes. */
  memLimit: number;
  pids: number;
  netInput: number;
  netOutput: number;
  blockInput: number;
  blockOutput: number;
}

/** The Docker-shaped one-shot stats of a single container (more detail than a sample). */
export interface ContainerStats {
  read: Date | undefined;
  cpu: {
    totalNano: number;
    kernelNano: number;
    userNano: number;
    /** Host CPU time, nanoseconds. */
    systemNano: number;
    onlineCpus: number;
    throttling: { periods: number; throttledPeriods: number; throttledTimeNano: number };
  };
  memory: {
    usage: number;
    maxUsage: number;
    limit: number;
    /** `undefined` when Podman did not report it (4.3.1 on cgroup v1 does not). */
    rss: number | undefined;
    cache: number | undefined;
    swap: number | undefined;
  };
}

/** Result of exec inspect. */
export interface ExecInspect {
  /** `undefined` while running. */
  exitCode: number | undefined;
  running: boolean;
  pid: number;
}

/** One demultiplexed log chunk. */
export interface LogChunk {
  stream: "stdout" | "stderr";
  data: Uint8Array;
}

// ---------------------------------------------------------------- the create body
// The subset of libpod's `SpecGenerator` (Podman 4.x `pkg/specgen`) that the
// driver sends to `POST /libpod/containers/create`, with the exact JSON keys.

/** libpod `specgen.NamedVolume`: a named volume mounted at `Dest`. */
export interface NamedVolume {
  Name: string;
  Dest: string;
  Options?: string[];
}

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
  /** Seconds `podman stop` waits before SIGKILL. */
  stop_timeout?: number;
  /** The signal number `podman stop` sends first. */
  stop_signal?: number;
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
  volumes?: NamedVolume[];
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
