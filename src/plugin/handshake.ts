/**
 * go-plugin's server-side handshake: magic cookie, protocol negotiation and
 * the one line printed on stdout.
 *
 * @module
 */

/** Nomad's handshake config (plugins/base/plugin.go). */
export const MAGIC_COOKIE_KEY = "NOMAD_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE =
  "e4327c2e01eabfd75a8a67adb114fb34a757d57eee7728d857a8cec6e91a7255";

/** go-plugin core protocol version, always 1. */
export const CORE_PROTOCOL_VERSION = 1;
/** App protocol versions this plugin speaks (Nomad's is 2). */
export const APP_PROTOCOL_VERSIONS: readonly number[] = [2];

/** The message go-plugin servers print when started by hand. */
export const NOT_A_PLUGIN_MESSAGE =
  "This binary is a plugin. These are not meant to be executed directly.\n" +
  "Please execute the program that consumes these plugins, which will\n" +
  "load any plugins automatically\n";

/** Raised when the environment does not carry a usable handshake. */
export class HandshakeError extends Error {
  override name = "HandshakeError";
}

/** Whether the magic cookie is present and right. */
export function hasMagicCookie(env: (key: string) => string | undefined): boolean {
  return env(MAGIC_COOKIE_KEY) === MAGIC_COOKIE_VALUE;
}

/**
 * Picks the app protocol version: the highest of ours that the client offers
 * in `PLUGIN_PROTOCOL_VERSIONS` (comma separated). With no offer, go-plugin
 * servers use their default version.
 */
export function negotiateProtocolVersion(offered: string | undefined): number {
  const ours = [...APP_PROTOCOL_VERSIONS].sort((a, b) => b - a);
  if (offered === undefined || offered.trim() === "") return ours[0]!;
  const theirs = new Set<number>();
  for (const part of offered.split(",")) {
    const n = Number.parseInt(part.trim(), 10);
    if (Number.isInteger(n)) theirs.add(n);
  }
  const match = ours.find((v) => theirs.has(v));
  if (match === undefined) {
    throw new HandshakeError(
      `Cannot negotiate a protocol version: client offers PLUGIN_PROTOCOL_VERSIONS="${offered}", plugin speaks ${
        ours.join(",")
      }`,
    );
  }
  return match;
}

/**
 * The handshake line. The certificate field stays empty: Nomad does not use
 * AutoMTLS and a certificate there crashes the agent (PROTOCOL.md §1).
 */
export function handshakeLine(appVersion: number, socketPath: string): string {
  return `${CORE_PROTOCOL_VERSION}|${appVersion}|unix|${socketPath}|grpc|\n`;
}
