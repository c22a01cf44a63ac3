/**
 * Log collection through the plugin protocol: `nomad` mode (k8s-file into the
 * stdout fifo), `journald` mode (streamed into both fifos from the journal
 * itself, or from Podman's endpoint with `journald_reader = "podman"`, resumed
 * after a break), and `disable_log_collection`.
 */
import assert from "node:assert/strict";
import { type BuiltTask, type Harness, NEEDS_PODMAN, REPO_ROOT } from "../support/harness/mod.ts";
import { inspectRaw, nameOf, shTask, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const JOURNALD = `logging = { driver = "journald", options = [{ tag = "ndp-logs-test" }] }`;
const FIVE_AND_FIVE = "for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done";

/** Waits until both fifos reached EOF (every writer closed), up to `ms`. */
async function fifosDone(t: BuiltTask, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`fifos not closed within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([Promise.all([t.alloc.stdout!.done, t.alloc.stderr!.done]), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function runJournald(h: Harness, script: string, extra = JOURNALD): Promise<BuiltTask> {
  const t = await h.task({ config: shTask(script, extra) });
  await h.start(t);
  const exit = await waitTask(h, t.id, 120_000);
  assert.equal(exit.exitCode, 0);
  return t;
}

Deno.test({
  ...opts,
  name: "logs nomad mode: 5 stdout + 5 stderr lines all arrive in the stdout fifo, in order",
  fn: () =>
    withHarness(async (h) => {
      // conmon reads the two pipes separately: only with a pause between writes
      // is the order across streams defined.
      const paced =
        "for i in 1 2 3 4 5; do echo out$i; sleep 0.05; echo err$i >&2; sleep 0.05; done";
      const t = await h.task({ config: shTask(paced) });
      await h.start(t);
      await waitTask(h, t.id);
      const text = await t.alloc.stdout!.waitFor((s) => s.includes("err5\n"), 10_000);
      const lines = text.split("\n").filter((l) => l).map((l) =>
        /^\S+ (stdout|stderr) F (.*)$/.exec(l)!.slice(1).join(":")
      );
      const want = [1, 2, 3, 4, 5].flatMap((i) => [`stdout:out${i}`, `stderr:err${i}`]);
      assert.deepEqual(lines, want);
      assert.equal(t.alloc.stderr!.text(), "");
    }),
});

Deno.test({
  ...opts,
  name: "logs journald mode: stdout only in the stdout fifo, stderr only in the stderr fifo",
  fn: () =>
    withHarness(async (h) => {
      const t = await runJournald(h, FIVE_AND_FIVE + "; printf no-eol");
      await fifosDone(t, 15_000);
      assert.equal(t.alloc.stdout!.text(), "out1\nout2\nout3\nout4\nout5\nno-eol");
      assert.equal(t.alloc.stderr!.text(), "err1\nerr2\nerr3\nerr4\nerr5\n");
    }),
});

Deno.test({
  ...opts,
  name: "logs journald mode: the plugin-level logging block is honoured (#411)",
  fn: () =>
    withHarness(async (h) => {
      const t = await runJournald(h, FIVE_AND_FIVE, "");
      await fifosDone(t, 15_000);
      assert.equal(t.alloc.stdout!.text(), "out1\nout2\nout3\nout4\nout5\n");
      assert.equal(t.alloc.stderr!.text(), "err1\nerr2\nerr3\nerr4\nerr5\n");
    }, `logging = { driver = "journald" }`),
});

/** `count` numbered lines of `width` bytes (including the newline). */
function numberedScript(count: number, width: number, sleepEvery = 0): string {
  // busybox printf pads; the line number leads so order can be checked.
  const pause = sleepEvery > 0 ? `; [ $((i % ${sleepEvery})) -eq 0 ] && sleep 0.2` : "";
  return `pad=$(head -c ${width - 8} /dev/zero | tr '\\0' x); i=1; ` +
    `while [ $i -le ${count} ]; do printf '%06d %s\\n' $i "$pad"${pause}; i=$((i+1)); done`;
}

function assertNumbered(text: string, count: number, width: number): void {
  const lines = text.split("\n");
  assert.equal(lines.pop(), "", "output ends with a newline");
  const bad: string[] = [];
  for (let i = 0; i < lines.length && bad.length < 5; i++) {
    const want = String(i + 1).padStart(6, "0");
    if (!lines[i]!.startsWith(want + " ") || lines[i]!.length !== width - 1) {
      bad.push(`line ${i + 1}: ${lines[i]!.slice(0, 20)}… (${lines[i]!.length} bytes)`);
    }
  }
  assert.deepEqual(bad, [], "lines out of order, duplicated or cut");
  assert.equal(lines.length, count, "line count");
}

Deno.test({
  ...opts,
  name: "logs journald mode: 10 MB arrives complete and in order",
  fn: () =>
    withHarness(async (h) => {
      // 2560 lines of 4 KiB: few journal entries (journald rate limits per entry).
      const count = 2560, width = 4096;
      const t = await runJournald(h, numberedScript(count, width));
      await fifosDone(t, 60_000);
      assertNumbered(t.alloc.stdout!.text(), count, width);
      assert.equal(t.alloc.stderr!.text(), "");
    }),
});

/** Restarts the private Podman service: TERM (KILL after 5 s), then `test_env.sh start`. */
async function restartPodmanService(): Promise<void> {
  const pid = Deno.readTextFileSync("/run/ndp-test/podman-service.pid").trim();
  const alive = () => {
    try {
      Deno.statSync(`/proc/${pid}`);
      return true;
    } catch {
      return false;
    }
  };
  const kill = await new Deno.Command("kill", { args: ["-TERM", pid] }).output();
  assert.ok(kill.success, "kill the Podman service");
  for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 100));
  // A service with open streams may linger in graceful shutdown: make sure the stream breaks.
  if (alive()) await new Deno.Command("kill", { args: ["-KILL", pid] }).output();
  const start = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "start"],
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(start.success, new TextDecoder().decode(start.stderr));
}

Deno.test({
  ...opts,
  name:
    "logs journald mode (journald_reader = podman): a Podman service restart mid-stream loses and duplicates nothing",
  fn: () =>
    withHarness(async (h) => {
      const count = 300, width = 64;
      // ~6 s of output: 20 lines every 0.2 s.
      const t = await h.task({ config: shTask(numberedScript(count, width, 20), JOURNALD) });
      await h.start(t);
      await t.alloc.stdout!.waitFor((s) => s.includes("000040 "), 20_000);
      await restartPodmanService();
      const exit = await waitTask(h, t.id, 120_000);
      assert.equal(exit.exitCode, 0);
      await fifosDone(t, 60_000);
      assert.ok(
        h.plugin.stderrLines.some((l) => l.includes("resuming")),
        "the stream did break (and was resumed)",
      );
      assertNumbered(t.alloc.stdout!.text(), count, width);
    }, 'journald_reader = "podman"'),
});

Deno.test({
  ...opts,
  name:
    "logs journald mode (journal read directly): a Podman restart does not break it; a killed journalctl is resumed without loss or duplicates",
  fn: () =>
    withHarness(async (h) => {
      const count = 300, width = 64;
      const t = await h.task({ config: shTask(numberedScript(count, width, 20), JOURNALD) });
      await h.start(t);
      const id = String((await inspectRaw(nameOf(t)))?.Id);
      await t.alloc.stdout!.waitFor((s) => s.includes("000040 "), 20_000);
      const readers = () => pgrep(`CONTAINER_ID_FULL=${id}`);
      assert.equal((await readers()).length, 1, "one journalctl follows the container");
      await restartPodmanService();
      await t.alloc.stdout!.waitFor((s) => s.includes("000120 "), 20_000);
      const broke = () => h.plugin.stderrLines.some((l) => l.includes("resuming"));
      assert.ok(!broke(), "the journal read did not break with Podman");
      const killed = await new Deno.Command("pkill", { args: ["-f", `CONTAINER_ID_FULL=${id}`] })
        .output();
      assert.ok(killed.success, "killed the journalctl");
      const exit = await waitTask(h, t.id, 120_000);
      assert.equal(exit.exitCode, 0);
      await fifosDone(t, 60_000);
      assert.ok(broke(), "the killed read was resumed");
      assertNumbered(t.alloc.stdout!.text(), count, width);
      assert.deepEqual(await readers(), [], "no journalctl left once the log is drained");
    }),
});

async function pgrep(pattern: string): Promise<string[]> {
  const out = await new Deno.Command("pgrep", { args: ["-f", pattern], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l);
}

Deno.test({
  ...opts,
  name: "logs: disable_log_collection = true: nothing arrives, the task runs and exits normally",
  fn: () =>
    withHarness(async (h) => {
      for (const extra of ["", JOURNALD]) {
        const t = await h.task({ config: shTask(FIVE_AND_FIVE + "; exit 4", extra) });
        await h.start(t);
        const exit = await waitTask(h, t.id);
        assert.equal(exit.exitCode, 4);
        await new Promise((r) => setTimeout(r, 1000));
        assert.equal(t.alloc.stdout!.text(), "", `stdout (${extra || "nomad"})`);
        assert.equal(t.alloc.stderr!.text(), "", `stderr (${extra || "nomad"})`);
        await h.client.destroyTask(t.id, true);
      }
    }, "disable_log_collection = true"),
});
