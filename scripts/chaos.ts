/**
 * Chaos run (issue 5, item 6): many task lifecycles while the plugin is
 * killed with SIGKILL at random moments and restarted through the harness
 * (RecoverTask of every saved handle), and the private Podman service is
 * restarted now and then. Loopback only; a bounded number of lifecycles.
 *
 *   deno task chaos [--lifecycles N] [--seed S] [--concurrency C] [--podman-restarts R]
 *
 * Prints: lifecycles run, plugin kills, Podman restarts, tasks recovered,
 * tasks lost (WaitTask never gave the right exit code), containers leaked
 * (left in the private store after cleanup), log lines lost (nomad logging
 * mode: lines read from the task's fifo vs. the lines it printed).
 * Exits 1 when anything was lost or leaked.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  buildTask,
  defaultPluginConfig,
  Harness,
  REPO_ROOT,
  TEST_IMAGE,
} from "../tests/support/harness/mod.ts";
import type { ProtoMessage } from "../src/grpc/proto_root.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    lifecycles: { type: "string", default: "100" },
    seed: { type: "string" },
    concurrency: { type: "string", default: "5" },
    "podman-restarts": { type: "string", default: "3" },
    lines: { type: "string", default: "20" },
  },
});
const LIFECYCLES = Number(args.lifecycles);
const SEED = Number(args.seed ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(args.concurrency);
const PODMAN_RESTARTS = Number(args["podman-restarts"]);
const LINES = Number(args.lines);
/** A task that has not reported its exit by then is lost. */
const TASK_DEADLINE_MS = 90_000;

/** mulberry32. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);

function log(msg: string): void {
  const ts = new Date().toISOString().slice(11, 23);
  Deno.stderr.writeSync(new TextEncoder().encode(`[chaos ${ts}] ${msg}\n`));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the plugin, restartable

const stats = {
  lifecycles: 0,
  pluginKills: 0,
  podmanRestarts: 0,
  recovered: 0,
  recoverFailed: 0,
  lost: 0,
  leaked: 0,
  linesLost: 0,
  startRetries: 0,
};
const lostDetails: string[] = [];

let current: Harness;
/** Resolved while the plugin is up and every saved handle has been recovered. */
let ready: Promise<void> = Promise.resolve();
let generation = 0;
/** Saved handles of tasks started and not yet destroyed. */
const handles = new Map<string, ProtoMessage>();

/** gRPC codes that mean "the plugin went away": retry on the next one. */
const GONE = new Set([1, 14]);

/** Runs `fn` against the current plugin, riding over plugin restarts. */
async function rpc<T>(what: string, fn: (h: Harness) => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    await ready;
    const gen = generation;
    try {
      return await fn(current);
    } catch (err) {
      const code = (err as { code?: number }).code;
      const pluginChanged = gen !== generation || current.plugin.hasExited;
      if ((code !== undefined && GONE.has(code)) || pluginChanged) {
        if (attempt > 50) throw err;
        await sleep(200);
        continue;
      }
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  }
}

async function startPlugin(): Promise<Harness> {
  return await Harness.start({ pluginConfig: defaultPluginConfig() });
}

/** SIGKILL the plugin, start a new one, recover every saved handle. */
async function killAndRecover(): Promise<void> {
  let open!: () => void;
  ready = new Promise<void>((r) => (open = r));
  const old = current;
  old.plugin.kill("SIGKILL");
  await old.plugin.exited;
  old.client.close();
  generation++;
  stats.pluginKills++;
  current = await startPlugin();
  let ok = 0;
  for (const [id, handle] of handles) {
    try {
      await current.client.recoverTask(handle);
      ok++;
    } catch (err) {
      stats.recoverFailed++;
      log(`RecoverTask ${id} failed: ${(err as Error).message}`);
    }
  }
  stats.recovered += ok;
  log(`plugin killed and restarted (kill #${stats.pluginKills}); recovered ${ok}/${handles.size}`);
  open();
}

/** Restarts the private Podman service (TERM, KILL after 10 s, then test_env start). */
async function restartPodman(): Promise<void> {
  const pidFile = "/run/ndp-test/podman-service.pid";
  const pid = Number(Deno.readTextFileSync(pidFile).trim());
  log(`restarting the Podman service (pid ${pid})`);
  const alive = () => {
    try {
      return !Deno.readTextFileSync(`/proc/${pid}/stat`).split(" ")[2]?.startsWith("Z");
    } catch {
      return false;
    }
  };
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* gone */ }
  for (let i = 0; i < 100 && alive(); i++) await sleep(100);
  if (alive()) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone */ }
  }
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "start"],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`test_env start: ${new TextDecoder().decode(out.stderr)}`);
  stats.podmanRestarts++;
  log(`Podman service is back (restart #${stats.podmanRestarts})`);
}

// ---------------------------------------------------------------- one lifecycle

/**
 * A log collector that keeps a fifo open across writers: it reopens after
 * EOF (a probe that opened and closed the write end, a container restarted by
 * a retried StartTask), until stopped.
 */
class ReopeningFifoReader {
  #text = "";
  #stopped = false;
  #file: Deno.FsFile | undefined;
  readonly done: Promise<void>;
  constructor(readonly path: string) {
    this.done = this.#run();
  }
  async #run(): Promise<void> {
    const dec = new TextDecoder();
    const buf = new Uint8Array(64 * 1024);
    while (!this.#stopped) {
      try {
        this.#file = await Deno.open(this.path, { read: true });
        while (true) {
          const n = await this.#file.read(buf);
          if (n === null) break;
          this.#text += dec.decode(buf.subarray(0, n), { stream: true });
        }
      } catch {
        if (!this.#stopped) await sleep(50);
      }
      try {
        this.#file?.close();
      } catch { /* closed */ }
      this.#file = undefined;
    }
  }
  text(): string {
    return this.#text;
  }
  /** Stops; unblocks a pending open by opening the write end briefly. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#file) {
      try {
        this.#file.close();
      } catch { /* closed */ }
    }
    try {
      const w = await Deno.open(this.path, { write: true });
      w.close();
    } catch { /* gone */ }
    await this.done;
  }
}

/** Numbered lines read from a k8s-file formatted fifo. */
function linesOf(reader: ReopeningFifoReader): Set<string> {
  const seen = new Set<string>();
  for (const l of reader.text().split("\n")) {
    const m = /^\S+ stdout [FP] (line-\d+)$/.exec(l);
    if (m) seen.add(m[1]!);
  }
  return seen;
}

async function lifecycle(n: number, allocIds: string[]): Promise<void> {
  const exitCode = n % 5;
  const script = `for i in $(seq 1 ${LINES}); do echo line-$i; sleep 0.1; done; exit ${exitCode}`;
  const t = await rpc("build", (h) =>
    buildTask(h.client, {
      name: "chaos",
      // Our own reopening reader on the fifos (the harness one stops at the first EOF).
      logging: false,
      config: `image = "${TEST_IMAGE}"\ncommand = "sh"\nargs = ["-c", ${JSON.stringify(script)}]`,
    }));
  allocIds.push(t.alloc.allocId);
  const stdoutPath = `${t.alloc.allocDir}/alloc/logs/.chaos.stdout.fifo`;
  const stderrPath = `${t.alloc.allocDir}/alloc/logs/.chaos.stderr.fifo`;
  for (const p of [stdoutPath, stderrPath]) {
    const out = await new Deno.Command("mkfifo", { args: ["-m", "600", p] }).output();
    if (!out.success) throw new Error(`mkfifo ${p} failed`);
  }
  t.config.stdout_path = stdoutPath;
  t.config.stderr_path = stderrPath;
  const stdout = new ReopeningFifoReader(stdoutPath);
  const stderr = new ReopeningFifoReader(stderrPath);
  const deadline = Date.now() + TASK_DEADLINE_MS;
  let verdict = "";
  try {
    // StartTask: a plugin that died mid-call gets the same task again (as Nomad does).
    let handle: ProtoMessage | undefined;
    for (let attempt = 0; !handle && Date.now() < deadline; attempt++) {
      try {
        const r = await rpc("StartTask", (h) => h.client.startTask(t.config));
        handle = r.handle as ProtoMessage;
      } catch (err) {
        // Podman restarting: a recoverable start error; Nomad's restart policy retries.
        stats.startRetries++;
        if (attempt % 5 === 0) log(`StartTask ${t.id} retry: ${(err as Error).message}`);
        await sleep(1000);
      }
    }
    if (!handle) throw new Error("StartTask never succeeded");
    handles.set(t.id, handle);
    log(`task ${n} started (${t.id})`);
    // WaitTask until the exit, across plugin restarts.
    let exit: ProtoMessage | undefined;
    while (!exit && Date.now() < deadline) {
      try {
        const left = deadline - Date.now();
        const r = await rpc("WaitTask", (h) => h.client.waitTask(t.id, left));
        exit = r;
      } catch (err) {
        verdict = (err as Error).message;
        if (/NOT_FOUND|DEADLINE/.test(verdict)) break;
        await sleep(500);
      }
    }
    const got = Number((exit?.result as ProtoMessage | undefined)?.exit_code ?? -1);
    if (!exit || got !== exitCode) {
      stats.lost++;
      lostDetails.push(
        `${t.id}: expected exit ${exitCode}, got ${exit ? got : "nothing"} ${verdict}`.trim(),
      );
    }
  } catch (err) {
    stats.lost++;
    lostDetails.push(`${t.id}: ${(err as Error).message}`);
  } finally {
    for (let i = 0; i < 20; i++) {
      try {
        await rpc("DestroyTask", (h) => h.client.destroyTask(t.id, true));
        break;
      } catch {
        await sleep(1000);
      }
    }
    handles.delete(t.id);
    // Give the last lines a moment to arrive, then count them.
    for (let i = 0; i < 50 && linesOf(stdout).size < LINES; i++) await sleep(100);
    const seen = linesOf(stdout);
    const lost = LINES - seen.size;
    if (lost > 0) {
      stats.linesLost += lost;
      log(`${t.id}: ${lost} log line(s) lost`);
    }
    await stdout.stop();
    await stderr.stop();
    await t.alloc.cleanup();
    stats.lifecycles++;
  }
}

// ---------------------------------------------------------------- main

async function leftovers(allocIds: string[]): Promise<string[]> {
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "leftovers"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n")
    .filter((l) => allocIds.some((a) => l.includes(a)));
}

async function main(): Promise<number> {
  log(
    `seed ${SEED}; ${LIFECYCLES} lifecycles, concurrency ${CONCURRENCY}, ` +
      `up to ${PODMAN_RESTARTS} Podman restarts`,
  );
  const t0 = Date.now();
  current = await startPlugin();
  const allocIds: string[] = [];
  let next = 0;
  let done = false;

  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (next < LIFECYCLES) await lifecycle(next++, allocIds);
  });
  // Kills at random moments; a Podman restart every few kills (bounded).
  const chaos = (async () => {
    while (!done) {
      await sleep(2000 + random() * 6000);
      if (done) break;
      try {
        if (stats.podmanRestarts < PODMAN_RESTARTS && random() < 0.2) await restartPodman();
        else await killAndRecover();
      } catch (err) {
        log(`chaos step failed: ${(err as Error).message}`);
      }
    }
  })();
  await Promise.all(workers);
  done = true;
  await chaos;
  await ready;
  current.client.close();
  await current.plugin.stop();
  // Give Podman a moment to finish removals, then look for what is left.
  await sleep(2000);
  const left = await leftovers(allocIds);
  stats.leaked = left.length;
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  const report = [
    `chaos seed ${SEED}, ${secs} s`,
    `lifecycles run:   ${stats.lifecycles}`,
    `plugin kills:     ${stats.pluginKills}`,
    `Podman restarts:  ${stats.podmanRestarts}`,
    `tasks recovered:  ${stats.recovered} (RecoverTask failures: ${stats.recoverFailed})`,
    `StartTask retries: ${stats.startRetries}`,
    `tasks lost:       ${stats.lost}`,
    `containers leaked: ${stats.leaked}`,
    `log lines lost:   ${stats.linesLost}`,
  ];
  // deno-lint-ignore no-console
  console.log(report.join("\n"));
  if (lostDetails.length) {
    // deno-lint-ignore no-console
    console.log(`lost tasks:\n  ${lostDetails.join("\n  ")}`);
  }
  if (left.length) {
    // deno-lint-ignore no-console
    console.log(`leaked containers:\n  ${left.join("\n  ")}`);
  }
  return stats.lost + stats.leaked + stats.linesLost > 0 ? 1 : 0;
}

// Interrupted: do not leave the plugin behind (it would outlive us, orphaned).
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(sig, () => {
    current?.plugin.kill("SIGKILL");
    Deno.exit(130);
  });
}

Deno.exit(await main());
