/**
 * Container endpoints: create, start, wait, inspect, stop, kill, pause, unpause,
 * healthcheck, remove, list, exists.
 *
 * @module
 */

import type { Endpoint, Transport } from "./_transport.ts";
import {
  decodeContainerInspect,
  decodeContainerListEntry,
  decodeHealth,
  obj,
  str,
  strArr,
} from "./_decode.ts";
import { PodmanApiError, PodmanResponseError } from "./errors.ts";
import type {
  ContainerHealth,
  ContainerInspect,
  ContainerListEntry,
  CreateResult,
  SpecGenerator,
} from "./types.ts";
import { sleep } from "../common/mod.ts";

const CREATE: Endpoint<"json"> = {
  method: "POST",
  path: "/containers/create",
  ok: [201],
  body: "json",
};
// 304: already running.
const START: Endpoint<"none"> = {
  method: "POST",
  path: "/containers/{id}/start",
  ok: [204, 304],
  body: "none",
};
// Answers only when a condition is met: no client timeout, only the caller's.
const WAIT: Endpoint<"text"> = {
  method: "POST",
  path: "/containers/{id}/wait",
  ok: [200],
  body: "text",
  timeout: "caller",
};
const INSPECT: Endpoint<"json"> = {
  method: "GET",
  path: "/containers/{id}/json",
  ok: [200],
  body: "json",
};
// 304: already stopped; 404: gone (success for us, #115). Podman 4.3.1 still
// answers 404 with ignore=true.
const STOP: Endpoint<"none"> = {
  method: "POST",
  path: "/containers/{id}/stop",
  ok: [204, 304],
  absent: [404],
  body: "none",
};
// Podman 4.3.1 answers 500 "container state improper" for a stopped
// container: the transport's cause table makes it a PodmanConflictError.
const KILL: Endpoint<"none"> = {
  method: "POST",
  path: "/containers/{id}/kill",
  ok: [204],
  body: "none",
};
// 500 "container state improper" when not paused/running: a PodmanConflictError.
const PAUSE: Endpoint<"none"> = {
  method: "POST",
  path: "/containers/{id}/pause",
  ok: [204],
  body: "none",
};
const UNPAUSE: Endpoint<"none"> = {
  method: "POST",
  path: "/containers/{id}/unpause",
  ok: [204],
  body: "none",
};
// Runs the container's healthcheck once and answers its result.
const HEALTHCHECK: Endpoint<"json"> = {
  method: "GET",
  path: "/containers/{id}/healthcheck",
  ok: [200],
  body: "json",
};
const REMOVE: Endpoint<"none"> = {
  method: "DELETE",
  path: "/containers/{id}",
  ok: [200, 204],
  absent: [404],
  body: "none",
};
const LIST: Endpoint<"json"> = { method: "GET", path: "/containers/json", ok: [200], body: "json" };
const EXISTS: Endpoint<"none"> = {
  method: "GET",
  path: "/containers/{id}/exists",
  ok: [204],
  absent: [404],
  body: "none",
};

/** Options carrying only a cancellation signal. */
export interface SignalOptions {
  signal?: AbortSignal | undefined;
}

/** Container lifecycle calls. */
export class ContainersApi {
  readonly #t: Transport;

  constructor(transport: Transport) {
    this.#t = transport;
  }

  /**
   * Creates a container from a libpod SpecGenerator.
   *
   * @throws {PodmanConflictError} when the name is taken.
   */
  async create(spec: SpecGenerator, options: SignalOptions = {}): Promise<CreateResult> {
    const out = await this.#t.call(CREATE, { body: spec, signal: options.signal });
    const body = out.absent ? {} : obj(out.body);
    const id = str(body.Id);
    if (id === "") {
      throw new PodmanResponseError("Podman container create answered without an 'Id'", {
        method: CREATE.method,
        path: CREATE.path,
        status: out.status,
      });
    }
    return { id, warnings: strArr(body.Warnings) };
  }

  /** Starts a container (already running counts as success). */
  async start(id: string, options: SignalOptions = {}): Promise<void> {
    await this.#t.call(START, { params: { id }, signal: options.signal });
  }

  /**
   * Blocks until the container reaches one of `conditions` (e.g. `running`,
   * `exited`, `stopped`) and returns its exit code. Only `signal` and
   * `timeoutMs` bound the wait.
   */
  async waitForCondition(
    id: string,
    conditions: readonly string[],
    options: SignalOptions & { timeoutMs?: number } = {},
  ): Promise<number> {
    const out = await this.#t.call(WAIT, {
      params: { id },
      query: { condition: conditions },
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    const text = out.absent ? "" : out.body.trim();
    const code = Number(text);
    if (text === "" || !Number.isInteger(code)) {
      throw new PodmanResponseError(
        `Podman container wait answered '${text.slice(0, 60)}', not an exit code`,
        { method: WAIT.method, path: WAIT.path, status: out.status },
      );
    }
    return code;
  }

  /**
   * Inspects a container by id or name.
   *
   * @throws {PodmanNotFoundError} when it does not exist.
   */
  async inspect(idOrName: string, options: SignalOptions = {}): Promise<ContainerInspect> {
    return decodeContainerInspect(await this.#inspectBody(idOrName, options));
  }

  /**
   * GET …/json. Podman 4.3 answers 500 "read /proc/<pid>/cgroup: no such
   * process" when the container exits during the inspect; that is retried.
   */
  async #inspectBody(idOrName: string, options: SignalOptions): Promise<unknown> {
    for (let attempt = 1;; attempt++) {
      try {
        const out = await this.#t.call(INSPECT, {
          params: { id: idOrName },
          signal: options.signal,
        });
        return out.absent ? {} : out.body;
      } catch (err) {
        const racing = err instanceof PodmanApiError && err.status === 500 &&
          /no such process/.test(err.message);
        if (!racing || attempt >= 5) throw err;
        await sleep(50 * attempt);
      }
    }
  }

  /**
   * The raw inspect JSON of a container (for checks on fields the typed
   * decoder does not carry, e.g. `HostConfig`).
   *
   * @throws {PodmanNotFoundError} when it does not exist.
   */
  async inspectRaw(
    idOrName: string,
    options: SignalOptions = {},
  ): Promise<Record<string, unknown>> {
    return obj(await this.#inspectBody(idOrName, options));
  }

  /**
   * One inspect, both typed and raw (a caller needing both saves a request).
   *
   * @throws {PodmanNotFoundError} when it does not exist.
   */
  async inspectWithRaw(
    idOrName: string,
    options: SignalOptions = {},
  ): Promise<{ inspect: ContainerInspect; raw: Record<string, unknown> }> {
    const raw = obj(await this.#inspectBody(idOrName, options));
    return { inspect: decodeContainerInspect(raw), raw };
  }

  /**
   * Stops a container: its stop signal, then SIGKILL after `timeoutSec`. A
   * missing or already stopped container counts as success. The HTTP deadline
   * is the client timeout plus `timeoutSec`.
   */
  async stop(id: string, timeoutSec: number, options: SignalOptions = {}): Promise<void> {
    const secs = Math.max(0, Math.ceil(timeoutSec));
    await this.#t.call(STOP, {
      params: { id },
      query: { timeout: secs, ignore: true },
      signal: options.signal,
      timeoutMs: this.#t.timeoutMs + secs * 1000,
    });
  }

  /**
   * Sends a signal (name like `SIGTERM`/`TERM`, or number) to the container.
   *
   * @throws {PodmanConflictError} when it is not running.
   */
  async kill(id: string, signal: string, options: SignalOptions = {}): Promise<void> {
    await this.#t.call(KILL, { params: { id }, query: { signal }, signal: options.signal });
  }

  /**
   * Freezes a container's processes.
   *
   * @throws {PodmanConflictError} when it is not running.
   */
  async pause(id: string, options: SignalOptions = {}): Promise<void> {
    await this.#t.call(PAUSE, { params: { id }, signal: options.signal });
  }

  /**
   * Thaws a paused container.
   *
   * @throws {PodmanConflictError} when it is not paused.
   */
  async unpause(id: string, options: SignalOptions = {}): Promise<void> {
    await this.#t.call(UNPAUSE, { params: { id }, signal: options.signal });
  }

  /** Runs the container's healthcheck once (what a systemd timer would do) and returns the health. */
  async runHealthcheck(id: string, options: SignalOptions = {}): Promise<ContainerHealth> {
    const out = await this.#t.call(HEALTHCHECK, { params: { id }, signal: options.signal });
    return decodeHealth(out.absent ? {} : out.body);
  }

  /**
   * Removes a container (`volumes=true` removes its anonymous volumes).
   * Returns false when it did not exist.
   */
  async remove(
    id: string,
    options: SignalOptions & { force?: boolean; volumes?: boolean } = {},
  ): Promise<boolean> {
    const out = await this.#t.call(REMOVE, {
      params: { id },
      query: { force: options.force ?? false, volumes: options.volumes ?? false },
      signal: options.signal,
    });
    return !out.absent;
  }

  /** Lists containers; `filters` is libpod's map (e.g. `{label: ["a=b"]}`). */
  async list(
    options: SignalOptions & { all?: boolean; filters?: Record<string, string[]> } = {},
  ): Promise<ContainerListEntry[]> {
    const out = await this.#t.call(LIST, {
      query: {
        all: options.all ?? false,
        filters: options.filters ? JSON.stringify(options.filters) : undefined,
      },
      signal: options.signal,
    });
    const body = out.absent ? [] : out.body;
    return Array.isArray(body) ? body.map(decodeContainerListEntry) : [];
  }

  /** Whether a container with this id or name exists. */
  async exists(idOrName: string, options: SignalOptions = {}): Promise<boolean> {
    const out = await this.#t.call(EXISTS, { params: { id: idOrName }, signal: options.signal });
    return !out.absent;
  }
}
