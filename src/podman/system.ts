/**
 * System endpoints: `_ping` and `info`.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeInfo } from "./_decode.ts";
import type { PingResult, SystemInfo } from "./types.ts";

const INFO: Endpoint<"json"> = { method: "GET", path: "/info", ok: [200], body: "json" };

/** `_ping` and `info`. */
export class SystemApi {
  readonly #t: Transport;

  constructor(transport: Transport) {
    this.#t = transport;
  }

  /**
   * Pings the service; the first successful ping also fixes the API prefix.
   *
   * @throws {PodmanConnectionError} when the socket cannot be reached.
   */
  async ping(options: { signal?: AbortSignal } = {}): Promise<PingResult> {
    return await this.#t.ping(options.signal);
  }

  /** The typed subset of `GET /libpod/info`. */
  async info(options: { signal?: AbortSignal } = {}): Promise<SystemInfo> {
    const out = await this.#t.call(INFO, { signal: options.signal });
    return decodeInfo(out.absent ? {} : out.body);
  }
}
