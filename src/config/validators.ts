/**
 * Value checks for options whose syntax we can verify without Podman.
 * Each returns normally or throws {@link ConfigError} naming the field and value.
 *
 * @module
 */

import { isIP } from "node:net";
import { ConfigError } from "./errors.ts";

/** True for a plain IPv4/IPv6 address (no zone, no prefix length). */
export function isIpAddress(s: string): boolean {
  return !s.includes("%") && isIP(s) !== 0;
}

/** Log drivers a `logging` block may name; `""` means `nomad`. */
export function logDriverField(field: string, v: string | undefined): "nomad" | "journald" {
  if (v === undefined || v === "" || v === "nomad") return "nomad";
  if (v === "journald") return "journald";
  throw new ConfigError(field, v, 'unsupported log driver (use "nomad" or "journald")');
}

/** `host:ip` with non-empty text on both sides of the first `:`. */
export function checkExtraHost(field: string, v: string): void {
  const i = v.indexOf(":");
  if (i <= 0 || i === v.length - 1) throw new ConfigError(field, v, "must be host:ip");
}

const ULIMIT_NAMES = new Set([
  "as",
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
]);

/** A ulimit entry: known resource name, value `soft[:hard]` of integers (-1 = unlimited). */
export function checkUlimit(field: string, name: string, v: string): void {
  if (!ULIMIT_NAMES.has(name.replace(/^rlimit_/i, "").toLowerCase())) {
    throw new ConfigError(field, name, "unknown ulimit name");
  }
  if (!/^-?\d+(:-?\d+)?$/.test(v)) {
    throw new ConfigError(field, v, 'must be "soft" or "soft:hard" with integer values');
  }
}

/** Splits `key=value` or `key:value` at the first separator. */
function splitOpt(v: string): [string, string | undefined] {
  const m = /^([^=:]*)[=:](.*)$/s.exec(v);
  return m ? [m[1], m[2]] : [v, undefined];
}

/**
 * `security_opt` entries: `no-new-privileges`, `label=…`, `apparmor=…`,
 * `seccomp=…`, `proc-opts=…`, `mask=…`, `unmask=…`, `systempaths=unconfined`
 * (`key:value` accepted for `key=value`).
 */
export function checkSecurityOpt(field: string, v: string): void {
  if (v === "no-new-privileges") return;
  const [key, value] = splitOpt(v);
  const ok = value !== undefined && value !== "" && (
    ["label", "apparmor", "seccomp", "proc-opts", "mask", "unmask"].includes(key) ||
    (key === "systempaths" && value === "unconfined")
  );
  if (!ok) {
    throw new ConfigError(
      field,
      v,
      "unsupported security option (no-new-privileges, label=, apparmor=, seccomp=, " +
        "proc-opts=, mask=, unmask=, systempaths=unconfined)",
    );
  }
}

const ID_MAP = /^\d+:\d+:\d+$/;

/**
 * `userns`: `""`, `host`, `private`, `nomap`, `auto[:uidmapping=C:H:S,gidmapping=C:H:S,size=N]`,
 * `keep-id[:uid=N,gid=N]`, `ns:<path>`.
 */
export function checkUserns(field: string, v: string): void {
  const fail = (why: string): never => {
    throw new ConfigError(field, v, why);
  };
  const i = v.indexOf(":");
  const mode = i < 0 ? v : v.slice(0, i);
  const opts = i < 0 ? undefined : v.slice(i + 1);
  switch (mode) {
    case "":
    case "host":
    case "private":
    case "nomap":
      if (opts !== undefined) fail(`userns mode ${mode || '""'} takes no options`);
      return;
    case "ns":
      if (!opts) fail("userns ns needs a path (ns:<path>)");
      return;
    case "auto":
    case "keep-id": {
      if (opts === undefined) return;
      for (const opt of opts.split(",")) {
        const [k, val = ""] = opt.split(/=(.*)/s);
        const good = mode === "auto"
          ? ((k === "uidmapping" || k === "gidmapping") && ID_MAP.test(val)) ||
            (k === "size" && /^\d+$/.test(val))
          : (k === "uid" || k === "gid") && /^\d+$/.test(val);
        if (!good) fail(`invalid ${mode} option ${JSON.stringify(opt)}`);
      }
      return;
    }
    default:
      fail("unsupported userns mode (host, private, nomap, auto[:opts], keep-id[:opts], ns:path)");
  }
}

/** Socket URLs the Podman client can use: `unix:///path`, `/path`, `http(s)://`, `tcp://`. */
export function checkSocketPath(field: string, v: string): void {
  if (!/^(unix:\/\/\/.+|\/.+|https?:\/\/.+|tcp:\/\/.+)$/.test(v)) {
    throw new ConfigError(field, v, "must be unix:///path, /path, http(s)://host:port or tcp://");
  }
}
