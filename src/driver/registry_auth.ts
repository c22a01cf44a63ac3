/**
 * Registry credentials for an image pull (references are parsed by
 * `image_ref.ts`).
 *
 * Backends are tried in order, the first that yields credentials wins:
 * 1. the task's `auth { username, password }` block;
 * 2. the plugin's `auth.config` file (containers-auth.json `auths` map): each
 *    key is matched as a path-component prefix of `host/path`, and the
 *    LONGEST matching key wins (deterministic, unlike the reference);
 * 3. the plugin's `auth.helper`: `docker-credential-<helper> get` with the
 *    registry host on stdin and a 10 s timeout.
 *
 * A backend error aborts the resolution unless `auth_soft_fail` is set, in
 * which case it is logged and the next backend is tried. Passwords never
 * appear in log lines or error messages.
 *
 * @module
 */

import type { TaskAuth } from "../config/mod.ts";
import type { RegistryAuth } from "../podman/mod.ts";
import { type Logger, rootLogger } from "../plugin_log/mod.ts";
import { errorMessage } from "../common/mod.ts";
import {
  type DockerReference,
  formatDockerReference,
  isShortName,
  normaliseHost,
  parseDockerReference,
  stripScheme,
} from "./image_ref.ts";

export type { RegistryAuth };
export { formatDockerReference, isShortName, parseDockerReference };
export type { DockerReference };

/** Which credential backend failed. */
export type AuthBackendName = "auth.config" | "auth.helper";

/** A credential backend failed (the message never carries a password). */
export class RegistryAuthError extends Error {
  /** The plugin option whose backend failed. */
  readonly field: AuthBackendName;
  /** The option's value: the auth file path or the helper name. */
  readonly value: string;
  /** The registry host credentials were looked up for. */
  readonly registry: string;

  constructor(
    field: AuthBackendName,
    value: string,
    registry: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      `Cannot get registry credentials for '${registry}' from ${field} '${value}': ${reason}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "RegistryAuthError";
    this.field = field;
    this.value = value;
    this.registry = registry;
  }
}

/** Runs a credential helper; replaceable in tests. */
export type HelperRunner = (
  command: string,
  stdin: string,
  signal: AbortSignal,
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Options of {@linkcode resolveRegistryAuth}. */
export interface ResolveAuthOptions {
  /** The task's `auth { }` block, if any. */
  taskAuth: TaskAuth | undefined;
  /** The plugin's `auth { config, helper }` block (`""` when unset). */
  pluginAuth: { config: string; helper: string };
  /** The task's `auth_soft_fail`: backend errors are logged and skipped. */
  authSoftFail: boolean;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
  /**
   * Timeout of the credential helper, in milliseconds.
   * @default 10000
   */
  helperTimeoutMs?: number | undefined;
  /** Runs the helper; defaults to `Deno.Command`. */
  runHelper?: HelperRunner | undefined;
}

/**
 * Finds the credentials for pulling `ref`.
 *
 * @param ref The image reference to pull (normalised or short).
 * @param options Backends and failure policy.
 * @returns The credentials, or `undefined` when no backend has any.
 * @throws {RegistryAuthError} when a backend fails and `authSoftFail` is false.
 */
export async function resolveRegistryAuth(
  ref: string,
  options: ResolveAuthOptions,
): Promise<RegistryAuth | undefined> {
  const logger = options.logger ?? rootLogger.named("registry_auth");
  const task = options.taskAuth;
  let parsed: DockerReference | undefined;
  try {
    parsed = parseDockerReference(ref);
  } catch {
    parsed = undefined;
  }
  if (task !== undefined && (task.username !== "" || task.password !== "")) {
    return {
      username: task.username,
      password: task.password,
      ...(parsed && !isShortName(stripScheme(ref)) ? { serveraddress: parsed.host } : {}),
    };
  }
  const { config, helper } = options.pluginAuth;
  if (config === "" && helper === "") return undefined;
  if (parsed === undefined || isShortName(stripScheme(ref))) {
    // The registry is chosen later by registries.conf: never hand it plugin-wide secrets.
    logger.debug("no plugin credentials for a short image name", { image: ref });
    return undefined;
  }
  const backends: Array<[AuthBackendName, string, () => Promise<RegistryAuth | undefined>]> = [];
  if (config !== "") {
    backends.push(["auth.config", config, () => authFromConfigFile(config, parsed, options)]);
  }
  if (helper !== "") {
    backends.push(["auth.helper", helper, () => authFromHelper(helper, parsed.host, options)]);
  }
  for (const [field, value, run] of backends) {
    try {
      const auth = await run();
      if (auth !== undefined) return auth;
    } catch (err) {
      const error = err instanceof RegistryAuthError
        ? err
        : new RegistryAuthError(field, value, parsed.host, errorText(err), { cause: err });
      if (!options.authSoftFail) throw error;
      logger.warn("registry credential backend failed; trying the next (auth_soft_fail)", {
        backend: field,
        registry: parsed.host,
        error: error.message,
      });
    }
  }
  return undefined;
}

function errorText(err: unknown): string {
  return errorMessage(err);
}

// ---------------------------------------------------------------- auth.config

/**
 * Normalises an `auths` key: drops `http(s)://`, a trailing `/`, the
 * `/v1` / `/v2` API suffix, and maps Docker Hub's index hosts to `docker.io`.
 *
 * @param key A key of the auth file's `auths` map.
 * @returns `host[/path]`.
 */
export function normaliseAuthKey(key: string): string {
  let k = key.trim().replace(/^https?:\/\//, "").replace(/\/+$/, "");
  k = k.replace(/\/v[12]$/, "");
  const slash = k.indexOf("/");
  const host = slash < 0 ? k : k.slice(0, slash);
  return normaliseHost(host) + (slash < 0 ? "" : k.slice(slash));
}

/**
 * Picks the `auths` key for a reference: keys that are a path-component
 * prefix of `host/path` match, and the longest normalised key wins (ties go
 * to the lexically smallest raw key, so the choice is deterministic).
 *
 * @param keys The `auths` keys.
 * @param ref The parsed reference.
 * @returns The winning raw key, or `undefined`.
 */
export function matchAuthKey(keys: readonly string[], ref: DockerReference): string | undefined {
  const repo = `${ref.host}/${ref.path}`;
  let best: { key: string; len: number } | undefined;
  for (const key of [...keys].sort()) {
    const norm = normaliseAuthKey(key);
    if (norm === "" || !(repo === norm || repo.startsWith(`${norm}/`))) continue;
    if (best === undefined || norm.length > best.len) best = { key, len: norm.length };
  }
  return best?.key;
}

/**
 * Decodes an `auth` value: base64 of `user:password`.
 *
 * @param b64 Standard or URL-safe base64, padding optional.
 * @returns The pair, or `undefined` when it is not base64 of `user:password`.
 */
export function decodeAuthField(b64: string): { username: string; password: string } | undefined {
  let text: string;
  try {
    const std = b64.trim().replace(/-/g, "+").replace(/_/g, "/");
    const padded = std + "=".repeat((4 - (std.length % 4)) % 4);
    const bin = atob(padded);
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(bin, (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function authFromConfigFile(
  path: string,
  ref: DockerReference,
  options: ResolveAuthOptions,
): Promise<RegistryAuth | undefined> {
  const fail = (reason: string, cause?: unknown) =>
    new RegistryAuthError("auth.config", path, ref.host, reason, { cause });
  let text: string;
  try {
    text = await Deno.readTextFile(path, { signal: options.signal });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw fail("the file does not exist", err);
    if (err instanceof Deno.errors.NotCapable) {
      throw fail(
        "the file is outside the plugin's deployment profile: add it to the profile setting " +
          `auth_file (deno task compile -- --auth-file ${path})`,
        err,
      );
    }
    throw fail(`the file cannot be read: ${errorText(err)}`, err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw fail("the file is not valid JSON", err);
  }
  const auths = isRecord(doc) ? doc.auths : undefined;
  if (auths === undefined) return undefined;
  if (!isRecord(auths)) throw fail("its 'auths' field is not an object");
  const key = matchAuthKey(Object.keys(auths), ref);
  if (key === undefined) return undefined;
  const entry = auths[key];
  const b64 = isRecord(entry) && typeof entry.auth === "string" ? entry.auth : "";
  if (b64 === "") return undefined;
  const pair = decodeAuthField(b64);
  if (pair === undefined) {
    throw fail(`the 'auth' value of key '${key}' is not base64 of 'user:password'`);
  }
  if (pair.username === "" && pair.password === "") return undefined;
  return { ...pair, serveraddress: ref.host };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- auth.helper

const HELPER_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_STDERR = 300;

const denoHelperRunner: HelperRunner = async (command, stdin, signal) => {
  const child = new Deno.Command(command, {
    args: ["get"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  } catch {
    // The helper may exit without reading stdin; its exit status tells.
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
};

async function authFromHelper(
  helper: string,
  host: string,
  options: ResolveAuthOptions,
): Promise<RegistryAuth | undefined> {
  const fail = (reason: string, cause?: unknown) =>
    new RegistryAuthError("auth.helper", helper, host, reason, { cause });
  if (!HELPER_NAME_RE.test(helper)) {
    throw fail("the helper name may only contain letters, digits, '.', '_' and '-'");
  }
  const command = `docker-credential-${helper}`;
  const timeoutMs = options.helperTimeoutMs ?? 10_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: { code: number; stdout: string; stderr: string };
  try {
    res = await (options.runHelper ?? denoHelperRunner)(command, host, signal);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw fail(`'${command}' was not found on PATH`, err);
    }
    if (err instanceof Deno.errors.PermissionDenied || err instanceof Deno.errors.NotCapable) {
      throw fail(
        `the plugin is not allowed to run '${command}': add "${helper}" to the deployment ` +
          `profile setting credential_helper (deno task compile -- --credential-helper ${helper})`,
        err,
      );
    }
    throw fail(`'${command} get' could not be run: ${errorText(err)}`, err);
  }
  if (timeout.aborted) {
    throw fail(`'${command} get' did not finish within ${timeoutMs / 1000}s`);
  }
  if (options.signal?.aborted) throw options.signal.reason;
  if (res.code !== 0) {
    // The credential-helper protocol's answer for "nothing stored for this server".
    if (/credentials not found/i.test(res.stdout + res.stderr)) return undefined;
    const detail = res.stderr.trim().slice(0, MAX_STDERR);
    throw fail(`'${command} get' exited with status ${res.code}${detail ? `: ${detail}` : ""}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(res.stdout);
  } catch {
    // Never echo stdout: it may hold the secret.
    throw fail(`'${command} get' did not print a JSON object`);
  }
  if (!isRecord(doc)) throw fail(`'${command} get' did not print a JSON object`);
  const username = typeof doc.Username === "string" ? doc.Username : "";
  const secret = typeof doc.Secret === "string" ? doc.Secret : "";
  if (username === "" && secret === "") return undefined;
  return { username, password: secret, serveraddress: host };
}
