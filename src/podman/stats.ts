/**
 * Container statistics: libpod's batch `/containers/stats` (streamed or one
 * shot) and the per-container Docker-shaped one-shot stats.
 *
 * Podman 4.3.1 facts: the batch answer is one `{Error, Stats: [...]}` object
 * per interval (one line each when streaming); an unknown container gives a
 * 200 with `{"Error":{},"Stats":null}` (a Go error marshalled to `{}`); an
 * exited container gives an all-zero sample. The per-container endpoint
 * answers an exited container with a 200 and an empty body (since Podman
 * 4.1.1), and from 4.6 with a 200 whose JSON `cause` is "container is stopped".
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import { decodeContainerStats, decodeStatsSample, errorFields, isObj, obj } from "./_decode.ts";
import { jsonLines } from "./_json_lines.ts";
import { PodmanApiError, PodmanNotFoundError, PodmanResponseError } from "./errors.ts";
import type { ContainerStats, StatsSample } from "./types.ts";

const BATCH: Endpoint<"stream"> = {
  method: "GET",
  path: "/containers/stats",
  ok: [200],
  body: "stream",
  timeout: "head",
};
const BATCH_ONCE: Endpoint<"json"> = {
  method: "GET",
  path: "/containers/stats",
  ok: [200],
  body: "json",
};
const ONE: Endpoint<"text"> = {
  method: "GET",
  path: "/containers/{id}/stats",
  ok: [200],
  body: "text",
};

/** Options of the batch stats calls. */
export interface StatsOptions {
  /** Container ids or names; omitted or empty means all running containers. */
  containers?: readonly string[];
  /** Seconds between samples when streaming. @default 1 */
  interval?: number;
  signal?: AbortSignal | undefined;
}

function batchQuery(options: StatsOptions, stream: boolean) {
  return {
    stream,
    interval: stream ? Math.max(1, Math.round(options.interval ?? 1)) : undefined,
    containers: options.containers && options.containers.length > 0
      ? options.containers
      : undefined,
  };
}

function samplesOf(v: unknown, method: string, path: string): StatsSample[] {
  const o = obj(v);
  const err = o.Error;
  if (err !== null && err !== undefined) {
    const detail = typeof err === "string"
      ? err
      : isObj(err) && typeof err.message === "string"
      ? err.message
      : JSON.stringify(err);
    const msg = `Podman stats failed for ${path}: ${
      detail === "{}" ? "no such container" : detail
    }`;
    const opts = { method, path, status: 200, podmanMessage: detail };
    // 4.3.1 marshals the lookup error as `{}`: a missing container is the usual case.
    if (detail === "{}" || /no such container/i.test(detail)) {
      throw new PodmanNotFoundError(msg, opts);
    }
    throw new PodmanApiError(msg, opts);
  }
  return Array.isArray(o.Stats) ? o.Stats.map(decodeStatsSample) : [];
}

/**
 * Streams samples, one per container per interval, until the signal aborts.
 *
 * @throws {PodmanNotFoundError} when a listed container does not exist.
 */
export async function* streamStats(
  t: Transport,
  options: StatsOptions = {},
): AsyncGenerator<StatsSample, void, undefined> {
  const call = { query: batchQuery(options, true), signal: options.signal };
  const path = await t.pathFor(BATCH, call);
  const out = await t.call(BATCH, call);
  if (out.absent) return;
  for await (const v of jsonLines(out.body, { method: BATCH.method, path })) {
    yield* samplesOf(v, BATCH.method, path);
  }
}

/** One batch of samples (no streaming). */
export async function statsOnce(t: Transport, options: StatsOptions = {}): Promise<StatsSample[]> {
  const call = { query: batchQuery(options, false), signal: options.signal };
  const path = await t.pathFor(BATCH_ONCE, call);
  const out = await t.call(BATCH_ONCE, call);
  return out.absent ? [] : samplesOf(out.body, BATCH_ONCE.method, path);
}

/**
 * The Docker-shaped one-shot stats of one container (kernel/user CPU time,
 * throttling, memory detail).
 *
 * @throws {PodmanNotFoundError} when the container is missing or not running.
 */
export async function containerStats(
  t: Transport,
  id: string,
  options: { signal?: AbortSignal } = {},
): Promise<ContainerStats> {
  const call = { params: { id }, query: { stream: false }, signal: options.signal };
  const path = await t.pathFor(ONE, call);
  const out = await t.call(ONE, call);
  const text = out.absent ? "" : out.body.trim();
  const opts = { method: ONE.method, path, status: out.status };
  if (text === "") {
    throw new PodmanNotFoundError(
      `Podman has no stats for container '${id}': it is not running`,
      opts,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new PodmanResponseError(
      `Podman stats for container '${id}' is not JSON: '${text.slice(0, 120)}'`,
      { ...opts, cause: err },
    );
  }
  const { cause, message } = errorFields(v);
  if (cause !== "" || message !== "") {
    throw new PodmanNotFoundError(
      `Podman has no stats for container '${id}': ${message || cause}`,
      {
        ...opts,
        podmanCause: cause,
        podmanMessage: message,
      },
    );
  }
  return decodeContainerStats(v);
}
