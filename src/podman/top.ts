/**
 * `GET /containers/{id}/top`: the container's processes (psgo descriptors,
 * e.g. `hpid`), which works where Podman has no cgroup stats (rootless on
 * cgroups v1).
 *
 * @module
 */
import type { Endpoint, Transport } from "./_transport.ts";
import { obj } from "./_decode.ts";
import { PodmanResponseError } from "./errors.ts";

const TOP: Endpoint<"json"> = {
  method: "GET",
  path: "/containers/{id}/top",
  ok: [200],
  body: "json",
};

/** The answer of `top`: one row per process, one column per descriptor. */
export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** Lists the container's processes with the given psgo descriptors (`pid`, `hpid`, `rss` …). */
export async function containerTop(
  t: Transport,
  id: string,
  descriptors: readonly string[],
  options: { signal?: AbortSignal } = {},
): Promise<TopResult> {
  const call = {
    params: { id },
    query: { ps_args: descriptors.join(","), stream: false },
    signal: options.signal,
  };
  const path = await t.pathFor(TOP, call);
  const out = await t.call(TOP, call);
  const o = obj(out.absent ? {} : out.body);
  const rows = Array.isArray(o.Processes) ? o.Processes : [];
  if (!rows.every((r) => Array.isArray(r) && r.every((c) => typeof c === "string"))) {
    throw new PodmanResponseError(`Podman top for container '${id}' has malformed rows`, {
      method: TOP.method,
      path,
      status: 200,
    });
  }
  return {
    titles: Array.isArray(o.Titles) ? o.Titles.map(String) : [],
    processes: rows as string[][],
  };
}
