/**
 * Fingerprint: per Podman socket a ping plus system info, turned into node
 * attributes and a health state (inventory §3.11).
 *
 * @module
 */
import { limitsApply } from "./rootless_limits.ts";
import type { HostFacts } from "./host_facts.ts";
import type { SocketConfig } from "../config/mod.ts";
import { errorMessage, sleep } from "../common/mod.ts";

export type { HostFacts };

/** Asks one socket for its facts; rejects when it does not answer. */
export type SocketProbe = (socket: SocketConfig, signal: AbortSignal) => Promise<HostFacts>;

/** A node attribute value, as Nomad's Attribute oneof. */
export type AttributeValue =
  | { string: string }
  | { bool: boolean }
  | { int: number }
  | { float: number };

/** Driver health as Nomad knows it. */
export type Health = "undetected" | "unhealthy" | "healthy";

/** One fingerprint message. */
export interface FingerprintReport {
  attributes: Record<string, AttributeValue>;
  health: Health;
  description: string;
}

/** Result of probing one socket. */
export type SocketResult =
  | { socket: SocketConfig; ok: true; facts: HostFacts }
  | { socket: SocketConfig; ok: false; error: string };

const ATTR_ROOT = "driver.podman";

/** Attribute prefix of a socket: the default one is `driver.podman`. */
export function attributePrefix(socketName: string, isDefault: boolean): string {
  if (isDefault) return ATTR_ROOT;
  return `${ATTR_ROOT}.${socketName.replace(/[^A-Za-z0-9]/g, "_")}`;
}

/** Builds the fingerprint from probe results; `results[0]` is the default socket. */
export function buildFingerprint(results: SocketResult[]): FingerprintReport {
  const attributes: Record<string, AttributeValue> = {};
  const failing: string[] = [];
  results.forEach((r, i) => {
    const p = attributePrefix(r.socket.name, i === 0);
    if (!r.ok) {
      attributes[`${p}.health`] = { string: "unhealthy" };
      failing.push(`${r.socket.name} (${r.socket.socketPath}): ${r.error}`);
      return;
    }
    const f = r.facts;
    Object.assign(attributes, {
      [`${p}.health`]: { string: "healthy" },
      [`${p}.defaultPodman`]: { bool: i === 0 },
      [`${p}.socketName`]: { string: r.socket.name },
      [`${p}.version`]: { string: f.apiVersion },
      [`${p}.appArmor`]: { bool: f.appArmorEnabled },
      [`${p}.capabilities`]: { string: f.capabilities },
      [`${p}.cgroupVersion`]: { string: `v${f.cgroupVersion}` },
      [`${p}.cgroupManager`]: { string: f.cgroupManager },
      [`${p}.rootless`]: { bool: f.rootless },
      // false: rootless on cgroups v1 (see rootless_limits.ts / rootless_without_limits).
      [`${p}.resourceLimits`]: { bool: limitsApply(f) },
      [`${p}.seccompEnabled`]: { bool: f.seccompEnabled },
      [`${p}.selinuxEnabled`]: { bool: f.selinuxEnabled },
    });
    if (f.ociRuntimePath) attributes[`${p}.ociRuntime`] = { string: f.ociRuntimePath };
    if (f.remoteSocketPath) attributes[`${p}.socket`] = { string: f.remoteSocketPath };
  });
  failing.sort();
  const okCount = results.length - failing.length;
  if (okCount > 0) attributes[ATTR_ROOT] = { bool: true };
  if (failing.length === 0) {
    return { attributes, health: "healthy", description: "All Podman sockets are responding." };
  }
  if (okCount === 0) {
    return {
      attributes,
      health: "undetected",
      description: `No Podman socket is responding: ${failing.join("; ")}`,
    };
  }
  return {
    attributes,
    health: "unhealthy",
    description: `Some Podman sockets are not responding: ${failing.join("; ")}`,
  };
}

/** Probes every socket concurrently, each under its own deadline. */
export async function probeAll(
  sockets: SocketConfig[],
  probe: SocketProbe,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<SocketResult[]> {
  return await Promise.all(sockets.map(async (socket): Promise<SocketResult> => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    try {
      return { socket, ok: true, facts: await probe(socket, AbortSignal.any(signals)) };
    } catch (err) {
      return { socket, ok: false, error: errorMessage(err) };
    }
  }));
}

/** Options of {@link fingerprintStream}. */
export interface FingerprintStreamOptions {
  sockets: SocketConfig[];
  probe: SocketProbe;
  signal: AbortSignal;
  /** Deadline of one probe. @default 4000 */
  probeTimeoutMs?: number;
  /** How often health is checked; a change is sent at once. @default 5000 */
  checkEveryMs?: number;
  /** How often an unchanged fingerprint is sent again. @default 30000 */
  resendEveryMs?: number;
  /** Lets other parts (e.g. a broken events stream) ask for an early check. */
  wake?: { onWake(fn: () => void): () => void };
  /** Attributes from the plugin config (operator controls), sent with every report. */
  extraAttributes?: Record<string, AttributeValue>;
}

function sameReport(a: FingerprintReport, b: FingerprintReport): boolean {
  return a.health === b.health && a.description === b.description &&
    JSON.stringify(a.attributes) === JSON.stringify(b.attributes);
}

/**
 * Yields a fingerprint at once, then again whenever it changes (checked every
 * `checkEveryMs`) and at least every `resendEveryMs`. Ends when `signal` aborts.
 */
export async function* fingerprintStream(
  options: FingerprintStreamOptions,
): AsyncGenerator<FingerprintReport> {
  const { sockets, probe, signal } = options;
  const probeTimeoutMs = options.probeTimeoutMs ?? 4000;
  const checkEveryMs = options.checkEveryMs ?? 5000;
  const resendEveryMs = options.resendEveryMs ?? 30000;
  let last: FingerprintReport | undefined;
  let lastSentAt = 0;
  while (!signal.aborted) {
    const report = buildFingerprint(await probeAll(sockets, probe, probeTimeoutMs, signal));
    Object.assign(report.attributes, options.extraAttributes ?? {});
    if (signal.aborted) return;
    const now = Date.now();
    if (!last || !sameReport(last, report) || now - lastSentAt >= resendEveryMs) {
      last = report;
      lastSentAt = now;
      yield report;
    }
    await sleepUnless(checkEveryMs, signal, options.wake);
  }
}

/** Waits `ms`, less when `signal` aborts or `wake` fires. */
async function sleepUnless(
  ms: number,
  signal: AbortSignal,
  wake?: { onWake(fn: () => void): () => void },
): Promise<void> {
  const woken = new AbortController();
  const unsubscribe = wake?.onWake(() => woken.abort());
  try {
    await sleep(ms, AbortSignal.any([signal, woken.signal]));
  } finally {
    unsubscribe?.();
  }
}
