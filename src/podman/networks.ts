/**
 * Network endpoints.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";

const NETWORK_EXISTS: Endpoint<"none"> = {
  method: "GET",
  path: "/networks/{name}/exists",
  ok: [204],
  absent: [404],
  body: "none",
};

/** Whether the named network exists. */
export async function networkExists(
  t: Transport,
  name: string,
  options: { signal?: AbortSignal } = {},
): Promise<boolean> {
  const out = await t.call(NETWORK_EXISTS, { params: { name }, signal: options.signal });
  return !out.absent;
}
