/**
 * A fake Podman service for faults real Podman cannot be made to produce on
 * demand: truncated or malformed answers, a 200 with an empty body, slow
 * answers, connections dropped mid-stream. Behaviour real Podman has is
 * tested against real Podman, not here.
 *
 * @module
 */

/** A recorded request. */
export interface SeenRequest {
  method: string;
  /** Path with query. */
  path: string;
  headers: Headers;
}

/** Handler of one request. */
export type FakeHandler = (
  req: Request,
  url: URL,
) => Response | undefined | Promise<Response | undefined>;

/** A running fake service on a temporary unix socket. */
export interface FakePodman {
  readonly socketPath: string;
  readonly requests: SeenRequest[];
  close(): Promise<void>;
}

/** Headers of Podman 4.3.1's `_ping` answer. */
export function pingHeaders(apiVersion = "4.3.1"): HeadersInit {
  return {
    "Libpod-API-Version": apiVersion,
    "Server": `Libpod/${apiVersion} (linux)`,
    "Content-Type": "text/plain; charset=utf-8",
  };
}

/** A JSON answer. */
export function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

/** A Podman error answer (`{cause, message, response}`). */
export function podmanError(status: number, cause: string, message: string): Response {
  return json({ cause, message, response: status }, status);
}

/** Held-open bodies still waiting; released when a fake server closes. */
const heldOpen = new Set<() => void>();

/** A chunked body that sends `chunks` and then either ends or breaks the connection. */
export function streamed(
  chunks: string[],
  options: { thenDrop?: boolean; delayMs?: number; holdOpen?: boolean } = {},
): Response {
  const enc = new TextEncoder();
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      if (i < chunks.length) {
        if (options.delayMs) {
          await new Promise<void>((r) => timer = setTimeout(r, options.delayMs));
        }
        c.enqueue(enc.encode(chunks[i++]));
        return;
      }
      if (options.thenDrop) c.error(new Error("fake connection drop"));
      else if (options.holdOpen) {
        // Until the client goes away or the fake closes (so close() never waits on it).
        await new Promise<void>((r) => heldOpen.add(r));
        c.close();
      } else c.close();
    },
    cancel() {
      if (timer !== undefined) clearTimeout(timer);
    },
  });
  return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
}

/**
 * Fake sockets live at fixed paths (`<NDP_RUN_DIR>/fakes/slot-<n>/podman.sock`,
 * n < {@link FAKE_SLOTS}) because the plugin's test profile (tests/profile.json)
 * can grant unix sockets only by exact path. A slot is claimed with an atomic
 * mkdir; one whose owner process is gone is reclaimed.
 */
export const FAKE_SLOTS = 8;
const FAKE_ROOT = `${Deno.env.get("NDP_RUN_DIR") ?? "/run/ndp-test"}/fakes`;

function claimFakeSlot(): string {
  Deno.mkdirSync(FAKE_ROOT, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    for (let n = 0; n < FAKE_SLOTS; n++) {
      const dir = `${FAKE_ROOT}/slot-${n}`;
      try {
        Deno.mkdirSync(dir);
      } catch {
        let owner = "";
        try {
          owner = Deno.readTextFileSync(`${dir}/owner`).trim();
        } catch { /* being claimed, or left half-made */ }
        let alive = false;
        try {
          alive = owner !== "" && Deno.statSync(`/proc/${owner}`).isDirectory;
        } catch { /* gone */ }
        if (attempt > 0 && !alive) Deno.removeSync(dir, { recursive: true });
        continue;
      }
      Deno.writeTextFileSync(`${dir}/owner`, String(Deno.pid));
      return dir;
    }
  }
  throw new Error(`all ${FAKE_SLOTS} fake Podman slots under ${FAKE_ROOT} are in use`);
}

/**
 * Starts a fake Podman on a unix socket. When the handler returns
 * `undefined`, `_ping` gets Podman 4.3.1's answer and anything else a 404.
 */
// deno-lint-ignore require-await
export async function startFakePodman(handler: FakeHandler): Promise<FakePodman> {
  const dir = claimFakeSlot();
  const socketPath = `${dir}/podman.sock`;
  const requests: SeenRequest[] = [];
  const ac = new AbortController();
  const server = Deno.serve({
    path: socketPath,
    signal: ac.signal,
    onListen: () => {},
    onError: () => new Response("fake handler failed", { status: 500 }),
  }, async (req) => {
    const url = new URL(req.url);
    requests.push({ method: req.method, path: url.pathname + url.search, headers: req.headers });
    const res = await handler(req, url);
    if (res) return res;
    if (url.pathname.endsWith("/_ping")) return new Response("OK", { headers: pingHeaders() });
    return podmanError(404, "no such endpoint", `fake: no answer for ${url.pathname}`);
  });
  return {
    socketPath,
    requests,
    async close() {
      ac.abort();
      for (const release of heldOpen) release();
      heldOpen.clear();
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        server.finished.catch(() => {}),
        new Promise<void>((r) => timer = setTimeout(r, 2000)),
      ]);
      clearTimeout(timer);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
