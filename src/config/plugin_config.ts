/**
 * The agent-side plugin configuration: the schema we return from
 * `ConfigSchema` and the decoder for `SetConfigRequest.msgpack_config`.
 *
 * @module
 */

import {
  attr,
  attrDefault,
  block,
  blockList,
  defaulted,
  hclSource,
  literal,
  obj,
  type Spec,
} from "../hclspec/mod.ts";
import { asString, Fields } from "./fields.ts";
import { decodeWithSpec } from "./cty_msgpack.ts";
import { durationField } from "./duration.ts";
import { ConfigError } from "./errors.ts";
import type { LoggingConfig, PluginConfig, SocketConfig } from "./types.ts";
import { checkSocketPath, isIpAddress, logDriverField } from "./validators.ts";

/** Name under which tasks find the default socket. */
export const DEFAULT_SOCKET_NAME = "default";

/** `block` with a literal default used when the block is absent. */
function blockWithDefault(
  name: string,
  nested: Spec,
  value: Record<string, string | boolean>,
): Spec {
  return defaulted(block(name, nested), literal(hclSource(value)));
}

/** Schema returned by `ConfigSchema` (PROTOCOL.md §4/§5; inventory §1 plus extensions). */
export const PLUGIN_CONFIG_SPEC: Spec = obj({
  socket_path: attr("socket_path", "string"),
  socket: blockList(
    "socket",
    obj({
      name: attr("name", "string"),
      socket_path: attr("socket_path", "string", true),
    }),
  ),
  volumes: blockWithDefault(
    "volumes",
    obj({
      enabled: attrDefault("enabled", "bool", true),
      selinuxlabel: attr("selinuxlabel", "string"),
      // Extension (operator control): host path prefixes a task `volumes` entry may use.
      allowed_roots: attrDefault("allowed_roots", "list(string)", ["/"]),
    }),
    { enabled: true },
  ),
  gc: blockWithDefault(
    "gc",
    obj({
      container: attrDefault("container", "bool", true),
      image: attrDefault("image", "bool", false),
      image_delay: attrDefault("image_delay", "string", "3m"),
    }),
    { container: true, image: false, image_delay: "3m" },
  ),
  recover_stopped: attrDefault("recover_stopped", "bool", false),
  extra_labels: attr("extra_labels", "list(string)"),
  // The reference's default: { driver = "nomad", options = {} } (inventory §1).
  logging: defaulted(
    block(
      "logging",
      obj({
        driver: attrDefault("driver", "string", "nomad"),
        options: attr("options", "list(map(string))"),
      }),
    ),
    literal(`{driver = "nomad", options = []}`),
  ),
  networking: block(
    "networking",
    obj({
      default_rootless_mode: attr("default_rootless_mode", "string"),
    }),
  ),
  disable_log_collection: attrDefault("disable_log_collection", "bool", false),
  // Extension: where journald-mode logs are read (see PluginConfig.journaldReader).
  journald_reader: attrDefault("journald_reader", "string", "auto"),
  client_http_timeout: attrDefault("client_http_timeout", "string", "60s"),
  dns_servers: attr("dns_servers", "list(string)"),
  // Extensions (least privilege, rootless): see PluginConfig.
  image_archive_roots: attr("image_archive_roots", "list(string)"),
  rootless_without_limits: attrDefault("rootless_without_limits", "bool", false),
  auth: block(
    "auth",
    obj({
      config: attr("config", "string"),
      helper: attr("helper", "string"),
    }),
  ),
  // Extensions (operator controls, permissive by default; see README "Operator controls").
  allow_privileged: attrDefault("allow_privileged", "bool", true),
  allow_caps: attrDefault("allow_caps", "list(string)", ["all"]),
  allow_host_network: attrDefault("allow_host_network", "bool", true),
  allow_devices: attrDefault("allow_devices", "list(string)", ["*"]),
  allow_runtime_options: attrDefault("allow_runtime_options", "list(string)", ["all"]),
  // Extension: reconciler of containers we created that no task owns.
  dangling_containers: blockWithDefault(
    "dangling_containers",
    obj({
      enabled: attrDefault("enabled", "bool", true),
      period: attrDefault("period", "string", "5m"),
      creation_grace: attrDefault("creation_grace", "string", "5m"),
    }),
    { enabled: true, period: "5m", creation_grace: "5m" },
  ),
});

/** Options of {@link decodePluginConfig}. */
export interface PluginConfigOptions {
  /** The plugin process uid: picks the default socket path. */
  uid: number;
}

/** The socket used when none is configured: rootful for uid 0, else the user's. */
export function defaultSocketPath(uid: number): string {
  return uid === 0
    ? "unix:///run/podman/podman.sock"
    : `unix:///run/user/${uid}/podman/podman.sock`;
}

/**
 * The plugin config with every option at its default: what an absent or
 * empty plugin `config {}` block decodes to. Built by the decoder itself, so
 * it cannot drift from {@link decodePluginConfig}.
 */
export function defaultPluginConfig(opts: PluginConfigOptions): PluginConfig {
  return decodePluginConfig(new Uint8Array(), opts);
}

/**
 * Decodes and validates `SetConfigRequest.msgpack_config`.
 *
 * `sockets` is never empty and `sockets[0]` is always the default socket:
 * the one named `default` if any, else the first configured one (which keeps
 * its own name). Use {@link findSocket} to resolve a task's `socket`.
 * Empty bytes give the all-defaults configuration.
 *
 * @throws {ConfigError} naming the offending field and value.
 */
export function decodePluginConfig(bytes: Uint8Array, opts: PluginConfigOptions): PluginConfig {
  const f = new Fields(decodeWithSpec(bytes, PLUGIN_CONFIG_SPEC), "");

  const volumes = f.sub("volumes");
  const gc = f.sub("gc");
  const networking = f.sub("networking");
  const auth = f.sub("auth");
  const dangling = f.sub("dangling_containers");

  const dnsServers = f.strList("dns_servers");
  dnsServers.forEach((s, i) => {
    if (!isIpAddress(s)) throw new ConfigError(`dns_servers[${i}]`, s, "not an IP address");
  });

  const imageArchiveRoots = f.strList("image_archive_roots").map((r, i) => {
    if (!r.startsWith("/") || r.split("/").includes("..")) {
      throw new ConfigError(`image_archive_roots[${i}]`, r, "not an absolute path without '..'");
    }
    return r.length > 1 ? r.replace(/\/+$/, "") : r;
  });

  return {
    imageArchiveRoots,
    rootlessWithoutLimits: f.bool("rootless_without_limits") ?? false,
    sockets: decodeSockets(f, opts.uid),
    volumes: {
      enabled: volumes?.bool("enabled") ?? true,
      selinuxLabel: volumes?.str("selinuxlabel") ?? "",
      allowedRoots: allowedRoots(volumes),
    },
    policy: decodePolicy(f),
    gc: {
      container: gc?.bool("container") ?? true,
      image: gc?.bool("image") ?? false,
      imageDelayMs: durationField("gc.image_delay", gc?.str("image_delay") ?? "3m"),
    },
    recoverStopped: f.bool("recover_stopped") ?? false,
    extraLabels: f.strList("extra_labels"),
    logging: decodeLogging(f.sub("logging"), "logging") ?? { driver: "nomad", options: {} },
    networking: { defaultRootlessMode: networking?.str("default_rootless_mode") ?? "" },
    disableLogCollection: f.bool("disable_log_collection") ?? false,
    journaldReader: journaldReader(f.str("journald_reader") ?? "auto"),
    clientHttpTimeoutMs: durationField(
      "client_http_timeout",
      f.str("client_http_timeout") ?? "60s",
      { positive: true },
    ),
    dnsServers,
    auth: { config: auth?.str("config") ?? "", helper: auth?.str("helper") ?? "" },
    danglingContainers: {
      enabled: dangling?.bool("enabled") ?? true,
      periodMs: durationField("dangling_containers.period", dangling?.str("period") ?? "5m", {
        positive: true,
      }),
      creationGraceMs: durationField(
        "dangling_containers.creation_grace",
        dangling?.str("creation_grace") ?? "5m",
      ),
    },
  };
}

function journaldReader(value: string): PluginConfig["journaldReader"] {
  if (value === "auto" || value === "podman") return value;
  throw new ConfigError("journald_reader", value, `must be "auto" or "podman"`);
}

function allowedRoots(volumes: Fields | undefined): string[] {
  if (!volumes || volumes.raw("allowed_roots") === null) return ["/"];
  const roots = volumes.strList("allowed_roots");
  roots.forEach((r, i) => {
    if (!r.startsWith("/")) {
      throw new ConfigError(`volumes.allowed_roots[${i}]`, r, "must be an absolute host path");
    }
  });
  return roots;
}

/** Weakening `security_opt` values an operator can allow (`allow_runtime_options`). */
export const RUNTIME_OPTIONS = [
  "seccomp=unconfined",
  "apparmor=unconfined",
  "label=disable",
  "systempaths=unconfined",
  "unmask=ALL",
] as const;

/** Capability names upper-cased without the `CAP_` prefix (`all` stays `all`). */
export function normalizeCap(cap: string): string {
  const c = cap.trim().toUpperCase().replace(/^CAP_/, "");
  return c === "ALL" ? "all" : c;
}

function listOr(f: Fields, key: string, fallback: string[]): string[] {
  return f.raw(key) === null ? fallback : f.strList(key);
}

function decodePolicy(f: Fields): PluginConfig["policy"] {
  const runtime = listOr(f, "allow_runtime_options", ["all"]);
  runtime.forEach((o, i) => {
    if (o !== "all" && !(RUNTIME_OPTIONS as readonly string[]).includes(o)) {
      throw new ConfigError(
        `allow_runtime_options[${i}]`,
        o,
        `must be "all" or one of ${RUNTIME_OPTIONS.join(", ")}`,
      );
    }
  });
  return {
    allowPrivileged: f.bool("allow_privileged") ?? true,
    allowCaps: listOr(f, "allow_caps", ["all"]).map(normalizeCap),
    allowHostNetwork: f.bool("allow_host_network") ?? true,
    allowDevices: listOr(f, "allow_devices", ["*"]),
    allowRuntimeOptions: runtime,
  };
}

function decodeSockets(f: Fields, uid: number): SocketConfig[] {
  const socketPath = f.str("socket_path");
  const blocks = f.subList("socket");
  if (socketPath !== undefined && blocks.length > 0) {
    throw new ConfigError("socket_path", socketPath, "cannot be used together with socket blocks");
  }
  if (socketPath !== undefined) {
    checkSocketPath("socket_path", socketPath);
    return [{ name: DEFAULT_SOCKET_NAME, socketPath }];
  }
  if (blocks.length === 0) {
    return [{ name: DEFAULT_SOCKET_NAME, socketPath: defaultSocketPath(uid) }];
  }
  const sockets: SocketConfig[] = [];
  const seen = new Set<string>();
  for (const b of blocks) {
    const name = b.str("name") || DEFAULT_SOCKET_NAME;
    if (seen.has(name)) throw new ConfigError(b.at("name"), name, "duplicate socket name");
    seen.add(name);
    const path = b.str("socket_path");
    if (path === undefined) throw new ConfigError(b.at("socket_path"), path, "is required");
    checkSocketPath(b.at("socket_path"), path);
    sockets.push({ name, socketPath: path });
  }
  const def = sockets.findIndex((s) => s.name === DEFAULT_SOCKET_NAME);
  if (def > 0) sockets.unshift(...sockets.splice(def, 1));
  return sockets;
}

/**
 * Resolves a task's `socket` name: an exact name match, or for `default`
 * the default socket (`sockets[0]`). Undefined when no socket matches.
 */
export function findSocket(cfg: PluginConfig, name: string): SocketConfig | undefined {
  return cfg.sockets.find((s) => s.name === name) ??
    (name === DEFAULT_SOCKET_NAME ? cfg.sockets[0] : undefined);
}

/** Decodes a `logging { driver, options }` block (shared with task config). */
export function decodeLogging(b: Fields | undefined, path: string): LoggingConfig | undefined {
  if (!b) return undefined;
  return {
    driver: logDriverField(`${path}.driver`, b.str("driver")),
    options: b.mergedMap("options", asString),
  };
}
