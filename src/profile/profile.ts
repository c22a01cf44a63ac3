/**
 * The deployment profile: the one source of truth for what the plugin may
 * touch. `scripts/profile.ts` turns it into Deno permission flags for the
 * checkout launcher (`scripts/nomad-driver-podman`) and for
 * `deno task compile`; the plugin names its settings in permission errors.
 *
 * Pure: no I/O here (file system facts come in through {@link HostFacts}).
 *
 * @module
 */

/** Every setting of a profile (profile file keys; the CLI flag is `--<key with dashes>`). */
export interface DeploymentProfile {
  /** Read+write: Nomad's data dir(s) (alloc dirs, log fifos). */
  data_dir: string[];
  /** Read+write+connect: Podman API sockets; a `*` path component is expanded (see README). */
  podman_socket: string[];
  /** Read+write: where the plugin creates its go-plugin socket. Empty: PLUGIN_UNIX_SOCKET_DIR or the temp dir. */
  plugin_socket_dir: string[];
  /** Read only: registry auth files (`auth { config }`). */
  auth_file: string[];
  /** Read only: directories of `oci-archive:`/`docker-archive:` files outside alloc dirs. */
  image_archive_root: string[];
  /** Read only: anything else (host volume sources the plugin checks, Podman's exits dir…). */
  read: string[];
  /** Network hosts (`host:port`): http(s) Podman URLs, image archive download hosts. */
  net: string[];
  /** Extra environment variable names (the plugin's own are always listed). */
  env: string[];
  /** Credential helpers the plugin may run (`docker-credential-<name>`), by `<name>`. */
  credential_helper: string[];
}

/** A profile key. */
export type ProfileSetting = keyof DeploymentProfile;

/** All keys, in the order they are documented. */
export const PROFILE_SETTINGS: readonly ProfileSetting[] = [
  "data_dir",
  "podman_socket",
  "plugin_socket_dir",
  "auth_file",
  "image_archive_root",
  "read",
  "net",
  "env",
  "credential_helper",
];

/** The CLI flag of a setting (`--data-dir`). */
export function settingFlag(setting: ProfileSetting): string {
  return `--${setting.replaceAll("_", "-")}`;
}

/** Defaults: a root Nomad client with the rootful socket and every rootless user's socket. */
export const DEFAULT_PROFILE: Readonly<DeploymentProfile> = Object.freeze({
  data_dir: ["/opt/nomad/data"],
  podman_socket: ["/run/podman/podman.sock", "/run/user/*/podman/podman.sock"],
  plugin_socket_dir: [],
  auth_file: [],
  image_archive_root: [],
  // Rootful Podman's exits dir and its `alive` marker: conmon's exit files give the fast exit
  // notice (src/podman/exit_dir.ts); without them exits come from the events stream (~0.4 s).
  read: ["/run/libpod/exits", "/run/libpod/alive"],
  net: [],
  env: [],
  credential_helper: [],
});

/** Environment variables the plugin (and grpc-js) read; always granted. */
export const PLUGIN_ENV: readonly string[] = [
  "NOMAD_PLUGIN_MAGIC_COOKIE",
  "PLUGIN_PROTOCOL_VERSIONS",
  "PLUGIN_UNIX_SOCKET_DIR",
  "PLUGIN_UNIX_SOCKET_GROUP",
  "PLUGIN_MIN_PORT",
  "PLUGIN_MAX_PORT",
  "NOMAD_DRIVER_PODMAN_LOG_LEVEL",
  // Read by @grpc/grpc-js at load or bind time.
  "GRPC_TRACE",
  "GRPC_VERBOSITY",
  "GRPC_NODE_TRACE",
  "GRPC_NODE_VERBOSITY",
  "GRPC_NODE_USE_ALTERNATIVE_RESOLVER",
  "GRPC_NODE_DEBUG_SEND_ERROR_DETAILS",
  "GRPC_EXPERIMENTAL_ENABLE_OUTLIER_DETECTION",
  "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH",
  "GRPC_SSL_CIPHER_SUITES",
  "grpc_proxy",
  "http_proxy",
  "https_proxy",
  "no_grpc_proxy",
  "no_proxy",
];

/** `Deno.*` system queries the plugin makes (fingerprint, stats). */
export const PLUGIN_SYS: readonly string[] = [
  "hostname",
  "uid",
  "gid",
  "osRelease",
  "systemMemoryInfo",
  "loadavg",
];

/**
 * The fixed name the plugin binds its go-plugin socket to, inside its socket
 * dir, before renaming it to a unique name: Deno grants unix sockets only by
 * exact path (`--allow-net=unix:<path>`), so the bind path must be known when
 * the permissions are fixed.
 */
export const PLUGIN_BIND_NAME = ".nomad-driver-podman.bind.sock";

/**
 * The URL host of Podman requests over a unix socket (src/podman/_address.ts: it must be
 * `libpod` for Podman's libpod branch). Deno's fetch checks it against --allow-net although
 * the request only goes through the granted unix socket; the plugin never fetches it otherwise.
 */
export const PODMAN_URL_HOST = "libpod:80";

/** A profile file or flag that is not valid. */
export class ProfileError extends Error {
  /** The setting (or "profile") concerned. */
  readonly setting: string;
  /** Where the value came from (file path or "command line"). */
  readonly source: string;
  constructor(setting: string, source: string, message: string) {
    super(message);
    this.name = "ProfileError";
    this.setting = setting;
    this.source = source;
  }
}

function isSetting(key: string): key is ProfileSetting {
  return (PROFILE_SETTINGS as readonly string[]).includes(key);
}

const PATH_SETTINGS: readonly ProfileSetting[] = [
  "data_dir",
  "podman_socket",
  "plugin_socket_dir",
  "auth_file",
  "image_archive_root",
  "read",
];

/** Checks one value of a setting; throws {@link ProfileError}. */
export function checkValue(setting: ProfileSetting, value: string, source: string): string {
  const bad = (why: string) =>
    new ProfileError(
      setting,
      source,
      `${source}: ${setting} value ${JSON.stringify(value)} ${why}`,
    );
  if (value === "" || /[\0\n,]/.test(value)) throw bad("is empty or has a comma/newline/NUL");
  if (PATH_SETTINGS.includes(setting)) {
    if (!value.startsWith("/")) throw bad("is not an absolute path");
    if (value.split("/").includes("..")) throw bad("contains '..'");
    if (value.replace(/\/+$/, "") === "") throw bad("would grant the whole file system");
    if (setting !== "podman_socket" && value.includes("*")) {
      throw bad("has a '*' (only podman_socket paths may)");
    }
  } else if (setting === "net") {
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(value)) {
      throw bad("is not a host or host:port");
    }
  } else if (setting === "env") {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw bad("is not a variable name");
  } else if (setting === "credential_helper") {
    if (!/^[A-Za-z0-9._-]+$/.test(value)) throw bad("is not a helper name");
  }
  return value;
}

/**
 * Parses a profile file (JSON object; every key optional, each a list of
 * strings). Missing keys keep the defaults; a present key replaces them.
 */
export function parseProfile(text: string, source: string): DeploymentProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ProfileError("profile", source, `${source}: not valid JSON: ${String(err)}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    throw new ProfileError("profile", source, `${source}: a profile is a JSON object`);
  }
  const out: DeploymentProfile = cloneProfile(DEFAULT_PROFILE);
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    if (key.startsWith("$") || key.startsWith("//")) continue; // $schema, comments
    if (!isSetting(key)) {
      throw new ProfileError(
        key,
        source,
        `${source}: unknown profile setting ${JSON.stringify(key)} (known: ${
          PROFILE_SETTINGS.join(", ")
        })`,
      );
    }
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
      throw new ProfileError(key, source, `${source}: ${key} must be a list of strings`);
    }
    out[key] = value.map((v) => checkValue(key, v, source));
  }
  return out;
}

/** A deep copy. */
export function cloneProfile(p: Readonly<DeploymentProfile>): DeploymentProfile {
  const out = {} as DeploymentProfile;
  for (const k of PROFILE_SETTINGS) out[k] = [...p[k]];
  return out;
}

/**
 * Applies command-line overrides (`--data-dir X` …): every setting given on
 * the command line replaces the profile's list for that setting.
 */
export function applyOverrides(
  base: Readonly<DeploymentProfile>,
  overrides: Partial<Record<ProfileSetting, string[]>>,
): DeploymentProfile {
  const out = cloneProfile(base);
  for (const k of PROFILE_SETTINGS) {
    const v = overrides[k];
    if (v !== undefined) out[k] = v.map((x) => checkValue(k, x, "command line"));
  }
  return out;
}

/** What the flag builder needs to know about the host at launch or build time. */
export interface HostFacts {
  /** The temp dir (`$TMPDIR` or `/tmp`). */
  tempDir: string;
  /** `PLUGIN_UNIX_SOCKET_DIR` when set. */
  pluginSocketDirEnv: string | undefined;
  /** The builder's/launcher's uid. */
  uid: number;
  /** Names in a directory (for `*` expansion); `[]` when it cannot be listed. */
  listDir(path: string): string[];
  /** uids of the users with subordinate IDs (rootless Podman users). */
  subordinateUids(): number[];
}

function trimSlash(p: string): string {
  return p.length > 1 ? p.replace(/\/+$/, "") : p;
}

/**
 * Expands `*` components of a socket path. Deno has no globs (and grants a
 * unix socket only by its exact path), so `/run/user/*\/podman/podman.sock`
 * becomes one path per existing entry of `/run/user`, plus, under
 * `/run/user`, one per user with subordinate IDs and the current uid (their
 * runtime dir may appear later). A user added later needs a new launch or build.
 */
export function expandSocketPattern(pattern: string, facts: HostFacts): string[] {
  const parts = pattern.split("/");
  const star = parts.findIndex((p) => p.includes("*"));
  if (star < 0) return [pattern];
  if (parts[star] !== "*") return []; // partial globs are not supported
  const prefix = parts.slice(0, star).join("/") || "/";
  const names = new Set(facts.listDir(prefix));
  if (trimSlash(prefix) === "/run/user") {
    for (const uid of [...facts.subordinateUids(), facts.uid]) {
      if (uid > 0) names.add(String(uid));
    }
  }
  const out: string[] = [];
  for (const name of [...names].sort()) {
    out.push(
      ...expandSocketPattern(
        [...parts.slice(0, star), name, ...parts.slice(star + 1)].join("/"),
        facts,
      ),
    );
  }
  return out;
}

/** The profile with every path resolved for this host (what the flags grant). */
export interface ResolvedProfile {
  readWrite: string[];
  readOnly: string[];
  sockets: string[];
  pluginSocketDirs: string[];
  net: string[];
  env: string[];
  run: string[];
  sys: string[];
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs.map(trimSlash))];
}

/** Resolves the profile's patterns and defaults against the host. */
export function resolveProfile(p: Readonly<DeploymentProfile>, facts: HostFacts): ResolvedProfile {
  const sockets = uniq(p.podman_socket.flatMap((s) => expandSocketPattern(s, facts)));
  const pluginSocketDirs = uniq(
    p.plugin_socket_dir.length > 0
      ? p.plugin_socket_dir
      : facts.pluginSocketDirEnv
      ? [facts.pluginSocketDirEnv]
      : [facts.tempDir],
  );
  const readWrite = uniq([...p.data_dir, ...sockets, ...pluginSocketDirs]);
  const readOnly = uniq([...p.auth_file, ...p.image_archive_root, ...p.read]).filter((r) =>
    !readWrite.includes(r)
  );
  return {
    readWrite,
    readOnly,
    sockets,
    pluginSocketDirs,
    net: uniq([
      ...(sockets.length > 0 ? [PODMAN_URL_HOST] : []),
      ...p.net,
      ...sockets.map((s) => `unix:${s}`),
      ...pluginSocketDirs.map((d) => `unix:${d}/${PLUGIN_BIND_NAME}`),
    ]),
    env: uniq([...PLUGIN_ENV, ...p.env]),
    run: uniq([
      "grep",
      "journalctl",
      ...p.credential_helper.map((h) => `docker-credential-${h}`),
    ]),
    sys: [...PLUGIN_SYS],
  };
}

/**
 * The Deno permission flags of a resolved profile: every grant scoped, never
 * `--allow-all` or an unscoped read/write/net/env/run.
 */
/**
 * Runtime flags of the plugin process, for the launcher and the binary alike
 * (printed after the permission flags by scripts/profile.ts). A 1 MiB young
 * generation keeps the RSS near the floor: with V8's default semi-space, four
 * cycles of 20 tasks started, streaming stats and destroyed grew the plugin
 * from 76 to 125 MB; with 1 MiB, from 71 to 88 MB (issue 11). V8's
 * `--optimize-for-size` (smaller heap growth steps, leaner code) then took the
 * peak with 100 tasks streaming stats from 98-114 MB to 92-96 MB, at the same
 * plugin CPU (2.2/1.8 % beside 2.15/1.9 % of a core).
 */
export const RUNTIME_FLAGS: readonly string[] = [
  "--v8-flags=--max-semi-space-size=1,--optimize-for-size",
];

export function permissionFlags(r: ResolvedProfile): string[] {
  const flags = [
    `--allow-read=${[...r.readWrite, ...r.readOnly].join(",")}`,
    `--allow-write=${r.readWrite.join(",")}`,
    `--allow-net=${r.net.join(",")}`,
    `--allow-env=${r.env.join(",")}`,
    `--allow-sys=${r.sys.join(",")}`,
    `--allow-run=${r.run.join(",")}`,
    "--deny-ffi",
    "--no-prompt",
  ];
  return flags;
}
