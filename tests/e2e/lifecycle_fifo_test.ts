/**
 * Nomad's log fifo losing its reader in the middle of a StartTask (logmon
 * restarted, the agent killed): conmon's blocking open of the fifo must not
 * hang the start nor wedge Podman (its open holds the container's lock).
 *
 * The window between the plugin's reader check and conmon's open is made
 * wide on purpose: the private Podman service is paused (SIGSTOP) while the
 * StartTask arrives, the reader goes away, then Podman resumes.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { makeAllocDir } from "../support/harness/alloc_dir.ts";
import { containerExists, nameOf, podman, shTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };
const PODMAN_PID_FILE = `${Deno.env.get("NDP_RUN_DIR") ?? "/run/ndp-test"}/podman-service.pid`;

function podmanServicePid(): number {
  const pid = Number(Deno.readTextFileSync(PODMAN_PID_FILE).trim());
  assert.ok(Number.isInteger(pid) && pid > 1, `no pid in ${PODMAN_PID_FILE}`);
  return pid;
}

/** A reader of the fifo in a process of its own (like logmon), one that can really go away. */
function catReader(path: string): Deno.ChildProcess {
  return new Deno.Command("cat", { args: [path], stdout: "null", stderr: "null" }).spawn();
}

async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: ["-m", "600", path] }).output();
  assert.ok(out.success, `mkfifo ${path}`);
}

/** Opens (and keeps) a read end without blocking: a conmon stuck in its open goes on. */
function unwedge(path: string): number | undefined {
  try {
    return fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

Deno.test({
  ...opts,
  name: "fifo: the reader leaves mid-StartTask → the start completes and Podman stays responsive",
  fn: () =>
    withHarness(async (h) => {
      // The harness's own readers cannot be closed while a read is pending (Deno keeps the
      // descriptor until the read returns): this test reads with `cat` processes instead.
      const alloc = await makeAllocDir("task", { logging: false });
      const stdoutPath = `${alloc.allocDir}/alloc/logs/.task.stdout.fifo`;
      const stderrPath = `${alloc.allocDir}/alloc/logs/.task.stderr.fifo`;
      await mkfifo(stdoutPath);
      await mkfifo(stderrPath);
      const stdoutReader = catReader(stdoutPath);
      const stderrReader = catReader(stderrPath);
      const t = await h.task({ config: shTask("echo started; sleep 60"), alloc });
      const pid = podmanServicePid();
      let rescue: number | undefined;
      Deno.kill(pid, "SIGSTOP");
      let resumed = false;
      const resume = () => {
        if (!resumed) Deno.kill(pid, "SIGCONT");
        resumed = true;
      };
      try {
        const started = h.start(t).then(() => "started", (err: Error) => `failed: ${err.message}`);
        // The plugin checks the reader first thing, before any Podman call.
        await new Promise((r) => setTimeout(r, 1_000));
        stdoutReader.kill("SIGKILL");
        await stdoutReader.status;
        resume();
        const outcome = await Promise.race([
          started,
          new Promise<string>((r) => setTimeout(() => r("hung"), 20_000)),
        ]);
        if (outcome === "hung") rescue = unwedge(stdoutPath);
        assert.equal(outcome, "started", "StartTask hung on conmon's fifo open");
        const inspect = await podman.containers.inspect(nameOf(t), {
          signal: AbortSignal.timeout(5_000),
        });
        assert.equal(inspect.state.running, true);
        await podman.ping({ signal: AbortSignal.timeout(5_000) });
        await h.client.destroyTask(t.id, true);
        assert.equal(await containerExists(nameOf(t)), false);
      } finally {
        resume();
        for (const r of [stdoutReader, stderrReader]) {
          try {
            r.kill("SIGKILL");
          } catch { /* gone */ }
          await r.status;
        }
        if (rescue !== undefined) {
          // Let the stuck start finish before the harness cleans up, then drop the end.
          await new Promise((r) => setTimeout(r, 2_000));
          fs.closeSync(rescue);
        }
      }
    }),
});
