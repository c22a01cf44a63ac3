/**
 * Runs `scripts/run_job/main.ts` as a separate process (as a user runs
 * `deno task run-job`) against the private Podman, and reads its output.
 */
import assert from "node:assert/strict";
import { Logger } from "../../src/plugin_log/mod.ts";
import { PodmanClient } from "../../src/podman/client.ts";
import { PODMAN_SOCKET, REPO_ROOT } from "../support/harness/mod.ts";
import { RunJob as RunJobProcess } from "../../scripts/run_job/child.ts";

/** run-job on the private Podman socket. */
export class RunJob extends RunJobProcess {
  constructor(args: string[]) {
    super([...args, "--socket", `unix://${PODMAN_SOCKET}`]);
  }
}

/** The `--image` overrides that make the examples run offline. */
export const OFFLINE_IMAGES: string[] = [
  "--image",
  "redis=localhost/ndp/redis:latest",
  "--image",
  "nats=localhost/ndp/nats:latest",
  "--image",
  "prometheus-nats-exporter=localhost/ndp/prometheus-nats-exporter:latest",
  "--image",
  "pause=localhost/ndp/pause:latest",
  "--image",
  "busybox=localhost/ndp/busybox:latest",
];

const podman = new PodmanClient({
  socketPath: `unix://${PODMAN_SOCKET}`,
  logger: new Logger("test", { sink: { write: () => {} }, level: "error" }),
});

/** Sends `PING` to a redis on 127.0.0.1:port and returns the reply line. */
export async function redisPing(port: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        await conn.write(new TextEncoder().encode("PING\r\n"));
        const buf = new Uint8Array(64);
        const n = await conn.read(buf);
        const reply = new TextDecoder().decode(buf.subarray(0, n ?? 0)).trim();
        if (reply !== "") return reply;
      } finally {
        conn.close();
      }
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`redis on 127.0.0.1:${port} did not answer PING: ${last}`);
}

/** GETs http://127.0.0.1:port/path until it answers 200; returns the body. */
export async function httpGet(port: number, path: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        signal: AbortSignal.timeout(5000),
      });
      const body = await res.text();
      if (res.status === 200) return body;
      last = `${res.status} ${body}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`http://127.0.0.1:${port}${path} did not answer 200: ${last}`);
}

/** Asserts that no container of these allocs exists and no namespace path is left. */
export async function assertNothingLeft(allocIds: string[], netnsPaths: string[] = []) {
  assert.ok(allocIds.length > 0, "the runner printed no alloc id");
  const all = await podman.containers.list({ all: true });
  const left = all.filter((c) => allocIds.some((a) => c.names.some((n) => n.includes(a))));
  assert.deepEqual(left.map((c) => c.names), [], "containers left behind");
  const pods = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "leftovers"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const podLines = new TextDecoder().decode(pods.stdout).split("\n")
    .filter((l) => l.startsWith("pod ") && allocIds.some((a) => l.includes(a)));
  assert.deepEqual(podLines, [], "pods left behind");
  for (const p of netnsPaths) {
    assert.throws(() => Deno.statSync(p), `network namespace ${p} left behind`);
  }
}

/** Writes a job file into a temp dir, runs `fn` with its path, removes the dir. */
export async function withTempJob<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "ndp-run-job-test-" });
  try {
    const path = `${dir}/job.nomad`;
    Deno.writeTextFileSync(path, text);
    return await fn(path);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
