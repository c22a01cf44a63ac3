/**
 * Figure 5: exec → handshake line of the plugin (through its launcher, as
 * Nomad starts it) beside `deno run` of a program that only prints the line;
 * and the RSS floors the memory figure compares with.
 *
 * @module
 */
import { REPO_ROOT, spawnPlugin } from "../../tests/support/harness/mod.ts";
import { type Bench, sleep } from "./common.ts";
import { rssBytes } from "./proc.ts";
import { p50, type Row } from "./report.ts";
import type { Floors } from "./scale.ts";

/** Spawns `deno run <script>`, resolves at its first stdout line; returns the child and ms. */
async function denoRunToLine(script: string): Promise<{ ms: number; child: Deno.ChildProcess }> {
  const t0 = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "--no-prompt", "--config", `${REPO_ROOT}/deno.json`, "-A", script],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += new TextDecoder().decode(value);
  }
  const ms = performance.now() - t0;
  reader.releaseLock();
  void child.stdout.cancel().catch(() => {});
  return { ms, child };
}

async function end(child: Deno.ChildProcess): Promise<void> {
  await child.stdin.close().catch(() => {});
  await child.status;
}

export async function benchHandshake(b: Bench): Promise<{ rows: Row[]; floors: Floors }> {
  const n = b.quick ? 5 : 20;
  const ours: number[] = [];
  const floor: number[] = [];
  const empty = `${REPO_ROOT}/scripts/bench/floor_empty.ts`;
  b.log(`handshake: ${n} plugin spawns and ${n} empty deno runs`);
  for (let i = 0; i < n; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) {
      if (which === 0) {
        const t0 = performance.now();
        const p = await spawnPlugin();
        ours.push(performance.now() - t0);
        await p.stop();
      } else {
        const r = await denoRunToLine(empty);
        floor.push(r.ms);
        await end(r.child);
      }
    }
  }
  b.samples.handshake_ours = ours;
  b.samples.handshake_deno_empty = floor;

  // RSS floors (after a second to settle).
  const bare = await denoRunToLine(empty);
  const grpc = await denoRunToLine(`${REPO_ROOT}/scripts/bench/floor_grpc.ts`);
  await sleep(1000);
  const floors: Floors = { bareRss: rssBytes(bare.child.pid), grpcRss: rssBytes(grpc.child.pid) };
  await Promise.all([end(bare.child), end(grpc.child)]);

  return {
    rows: [{
      figure: `handshake (exec → handshake line), p50 (n=${n})`,
      ours: p50(ours),
      limit: p50(floor),
      limitName: "deno run of a program printing the line",
      unit: "ms",
      target: "≤ 200 ms",
      met: p50(ours) <= 200,
    }],
    floors,
  };
}
