/**
 * Typed plugin and task configuration, as decoded from Nomad's cty msgpack.
 *
 * These types are the contract between config decoding (`src/config/`) and the
 * driver core. Every option of the reference driver appears here; optional
 * fields are `undefined` when the operator did not set them and the option has
 * no default.
 *
 * @module
 */

/** A Podman API endpoint the plugin talks to. */
export interface SocketConfig {
  /** The user's name for it (`default` when unnamed); used as the lookup key. */
  name: string;
  /** `unix:///path`, `/path`, or an `http(s)://host:port` base URL. */
  socketPath: string;
}

/** A log driver choice, at plugin or task level. */
export interface LoggingConfig {
  /** `nomad` (k8s-file into Nomad's fifo) or `journald`. */
  driver: "nomad" | "journald";
  options: Record<string, string>;
}

/** Operator controls (`allow_*` plugin options); the defaults allow everything. */
export interface PolicyConfig {
  allowPrivileged: boolean;
  /** Upper-case names without `CAP_`; `["all"]`: no restriction. */
  allowCaps: string[];
  allowHostNetwork: boolean;
  /** Host device path globs (`*` matches anything, also `/`); `["*"]`: any device. */
  allowDevices: string[];
  /** Weakening `security_opt` values allowed; `["all"]`: all of them. */
  allowRuntimeOptions: string[];
}

/** The agent-side `plugin "nomad-driver-podman" { config { ... } }` block. */
export interface PluginConfig {
  /** Sockets, never empty after decoding: the default socket is filled in. */
  sockets: SocketConfig[];
  /** `allowedRoots`: host path prefixes task `volumes` may use (`["/"]`: anywhere). */
  volumes: { enabled: boolean; selinuxLabel: string; allowedRoots: string[] };
  /** Operator controls over what tasks may ask for (permissive defaults). */
  policy: PolicyConfig;
  gc: { container: boolean; image: boolean; imageDelayMs: number };
  recoverStopped: boolean;
  extraLabels: string[];
  logging: LoggingConfig;
  networking: { defaultRootlessMode: string };
  disableLogCollection: boolean;
  /**
   * Where journald-mode logs are read: `auto` reads the journal itself with
   * `journalctl` where the plugin runs as root beside Podman (faster, and no
   * break when Podman restarts), else Podman's logs endpoint; `podman` always
   * uses the endpoint.
   */
  journaldReader: "auto" | "podman";
  /** Timeout of non-streaming Podman calls, in milliseconds (default 60 s). */
  clientHttpTimeoutMs: number;
  dnsServers: string[];
  auth: { config: string; helper: string };
  /** Reconciler of containers this plugin created that no task owns. */
  danglingContainers: { enabled: boolean; periodMs: number; creationGraceMs: number };
  /**
   * Directories (besides the task's own alloc dir) that `oci-archive:`/`docker-archive:`
   * file paths may lie in (`image_archive_roots`, absolute; default none).
   */
  imageArchiveRoots: string[];
  /**
   * Rootless Podman on a cgroups v1 host cannot apply memory/CPU/pids limits: by default
   * such a task is refused; `rootless_without_limits = true` runs it without them.
   */
  rootlessWithoutLimits: boolean;
}

/** Task-level registry credentials (`auth { }` block). */
export interface TaskAuth {
  username: string;
  password: string;
  tlsVerify: boolean;
}

/** The job's `task { driver = "podman" config { ... } }` block. */
export interface TaskConfig {
  image: string;
  imagePullTimeoutMs: number;
  forcePull: boolean;
  arch: string;
  os: string;
  variant: string;
  auth: TaskAuth | undefined;
  authSoftFail: boolean;
  /** `undefined` keeps the image's entrypoint. */
  entrypoint: string[] | undefined;
  command: string;
  args: string[];
  workingDir: string;
  hostname: string;
  init: boolean;
  initPath: string;
  labels: Record<string, string>;
  /** `undefined` means: use the plugin-level logging block. */
  logging: LoggingConfig | undefined;
  /** Bytes; `undefined` when unset. */
  memoryReservation: number | undefined;
  /** Bytes, or -1 for unlimited; `undefined` when unset. */
  memorySwap: number | undefined;
  /** 0..100; `undefined` when unset. */
  memorySwappiness: number | undefined;
  networkMode: string;
  ipcMode: string;
  ipv4Address: string;
  ipv6Address: string;
  staticIps: string[];
  staticMac: string;
  extraHosts: string[];
  oomScoreAdj: number;
  pidsLimit: number;
  ports: string[];
  portMap: Record<string, number>;
  capAdd: string[];
  capDrop: string[];
  selinuxOpts: string[];
  apparmorProfile: string;
  securityOpt: string[];
  privileged: boolean;
  readonlyRootfs: boolean;
  tty: boolean;
  sysctl: Record<string, string>;
  /** name → "soft[:hard]" as written. */
  ulimit: Record<string, string>;
  cpuHardLimit: boolean;
  cpuCfsPeriod: number;
  devices: string[];
  tmpfs: string[];
  volumes: string[];
  userns: string;
  /** Bytes; `undefined` when unset. */
  shmSize: number | undefined;
  /** Name of a plugin `socket` block. */
  socket: string;
  /** `healthchecks { }`; `undefined` keeps the image's HEALTHCHECK as it is. */
  healthchecks: HealthcheckConfig | undefined;
}

/** The task's `healthchecks { }` block. */
export interface HealthcheckConfig {
  /** No healthcheck, whatever the image says. */
  disable: boolean;
  /** `["CMD-SHELL", cmd]` or `["CMD", ...argv]`; `undefined` keeps the image's command. */
  test: string[] | undefined;
  intervalMs: number | undefined;
  timeoutMs: number | undefined;
  retries: number | undefined;
  startPeriodMs: number | undefined;
}
