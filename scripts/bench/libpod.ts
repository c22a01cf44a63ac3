/**
 * The physical limit: the libpod REST API called directly over its unix
 * socket, with nothing of the plugin in between (no retries, no decoding
 * beyond JSON).
 *
 * @module
 */

const PREFIX = "/v4.0.0/libpod";

/** A libpod call that did not answer with the expected status. */
export class LibpodError extends Error {
  constructor(readonly endpoint: string, readonly status: number, body: string) {
    super(`libpod ${endpoint}: HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = "LibpodError";
  }
}

/** A minimal libpod client. */
export class Libpod {
  readonly socketPath: string;
  readonly #http: Deno.HttpClient;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
    this.#http = Deno.createHttpClient({ proxy: { transport: "unix", path: socketPath } });
  }

  /** One request; the answer's JSON (or text) when the status is in `ok`. */
  async call(
    method: string,
    path: string,
    opts: { body?: unknown; ok?: number[]; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const res = await fetch(`http://d${PREFIX}${path}`, {
      method,
      client: this.#http,
      headers: opts.body === undefined ? {} : { "content-type": "application/json" },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    const text = await res.text();
    if (!(opts.ok ?? [200, 201, 204]).includes(res.status)) {
      throw new LibpodError(`${method} ${path}`, res.status, text);
    }
    if (text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  async create(spec: unknown): Promise<string> {
    const out = await this.call("POST", "/containers/create", { body: spec }) as { Id: string };
    return out.Id;
  }

  async start(id: string): Promise<void> {
    await this.call("POST", `/containers/${id}/start`, { ok: [204, 304] });
  }

  async inspect(id: string): Promise<Record<string, unknown>> {
    return await this.call("GET", `/containers/${id}/json`) as Record<string, unknown>;
  }

  /** `State` of an inspect. */
  async state(id: string): Promise<Record<string, unknown>> {
    return (await this.inspect(id)).State as Record<string, unknown>;
  }

  /** `State` once settled: retries Podman 4.3's 500 "no such process" (inspect racing an exit). */
  async settledState(id: string): Promise<Record<string, unknown>> {
    for (let i = 0;; i++) {
      try {
        return await this.state(id);
      } catch (err) {
        if (i >= 20 || !String(err).includes("no such process")) throw err;
        await new Promise((r) => setTimeout(r, 25));
      }
    }
  }

  /** `POST …/wait?condition=` (Podman polls the state every 250 ms). */
  async wait(id: string, condition = "exited", signal?: AbortSignal): Promise<unknown> {
    return await this.call("POST", `/containers/${id}/wait?condition=${condition}`, { signal });
  }

  /** The reference design's stats call: one one-shot request per container. */
  async statsOnce(id: string): Promise<unknown> {
    return await this.call("GET", `/containers/${id}/stats?stream=false`, { ok: [200, 404, 409] });
  }

  /** SIGKILL (if running), then remove. */
  async remove(id: string): Promise<void> {
    await this.call("POST", `/containers/${id}/kill?signal=KILL`, { ok: [204, 404, 409, 500] })
      .catch(() => {});
    await this.call("DELETE", `/containers/${id}?force=true&v=true&timeout=0`, {
      ok: [200, 204, 404],
    });
  }

  /**
   * Streams events matching `filters` until `signal` aborts; calls `onEvent`
   * with each event and the time it arrived (epoch ms).
   */
  async events(
    filters: Record<string, string[]>,
    onEvent: (e: Record<string, unknown>, arrivedMs: number) => void,
    signal: AbortSignal,
    onOpen?: () => void,
  ): Promise<void> {
    const q = encodeURIComponent(JSON.stringify(filters));
    const res = await fetch(`http://d${PREFIX}/events?stream=true&filters=${q}`, {
      client: this.#http,
      signal,
    });
    if (!res.ok || !res.body) throw new LibpodError("GET /events", res.status, await res.text());
    onOpen?.();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) return;
        const now = Date.now();
        buf += value;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line), now);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  close(): void {
    this.#http.close();
  }
}

/** Podman's RFC 3339 timestamps with nanoseconds → epoch ms (fractional). */
export function podmanTimeMs(s: unknown): number {
  if (typeof s !== "string" || s.startsWith("0001-")) return NaN;
  const m = /^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) return Date.parse(s);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0${m[2]}`) * 1000 : 0;
  return whole + frac;
}
