/**
 * Recovery through the real protocol: the plugin killed with SIGKILL while a
 * task runs, and Podman down while a task exits.
 */
import assert from "node:assert/strict";
import { Harness, NEEDS_PODMAN, REPO_ROOT } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import { assertHclogLines } from "./_hclog.ts";

const IMAGE = "localhost/ndp/busybox:latest";

function exitCode(r: ProtoMessage): number {
  return Number((r.result as { exit_code?: number } | null)?.exit_code ?? -1);
}

async function restartPodmanAfter(ms: number): Promise<void> {
  const pid = Number(Deno.readTextFileSync("/run/ndp-test/podman-service.pid").trim());
  Deno.kill(pid, "SIGTERM");
  await new Promise((r) => setTimeout(r, ms));
  const out = await new Deno.Command("bash", {
    args: [`${REPO_ROOT}/scripts/test_env.sh`, "start"],
  })
    .output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

Deno.test({
  name:
    "recovery: plugin SIGKILLed mid-task; a new plugin recovers it; exit code and every log line arrive",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const first = await Harness.start();
    const t = await first.task({
      config: `
        image = "${IMAGE}"
        command = "sh"
        args = ["-c", "for i in $(seq 1 40); do echo line-$i; sleep 0.1; done; exit 4"]`,
    });
    first.tasks.pop(); // the second plugin owns the task from here on
    let second: Harness | undefined;
    try {
      const started = await first.start(t);
      const handle = started.handle as ProtoMessage;
      await t.alloc.stdout!.waitFor((s) => s.includes("line-5\n"), 10_000);
      first.plugin.kill("SIGKILL");
      await first.close();

      second = await Harness.start();
      second.tasks.push(t);
      // As Nomad does: TaskConfigSchema, Capabilities, RecoverTask, WaitTask.
      await second.client.taskConfigSchema();
      await second.client.capabilities();
      await second.client.recoverTask({
        ...handle,
        config: { ...(handle.config as ProtoMessage) },
      });
      // RecoverTask is idempotent (reattach case).
      await second.client.recoverTask(handle);
      const wait = await second.client.waitTask(t.id, 30_000);
      assert.equal(exitCode(wait), 4);
      const text = await t.alloc.stdout!.waitFor((s) => s.includes("line-40\n"), 5000);
      const lines = text.split("\n").filter((l) => l.includes(" stdout ")).map((l) =>
        l.replace(/^.* stdout [FP] /, "")
      );
      assert.deepEqual(lines, Array.from({ length: 40 }, (_, i) => `line-${i + 1}`));
      const inspect = await second.client.inspectTask(t.id);
      assert.equal((inspect.task as { state: number }).state, 2);
    } finally {
      await second?.close();
      if (!second) await t.alloc.cleanup();
    }
    assertHclogLines(second!.plugin.stderrLines);
  },
});

Deno.test({
  name: "recovery: a task that exits while Podman is down is reported after Podman returns",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start();
    try {
      const t = await h.task({
        config: `image = "${IMAGE}"\ncommand = "sh"\nargs = ["-c", "sleep 3; exit 7"]`,
      });
      await h.start(t);
      const wait = h.client.waitTask(t.id, 60_000);
      await restartPodmanAfter(10_000); // the container exits ~3 s into the outage
      const r = await wait;
      assert.equal(exitCode(r), 7);
    } finally {
      await h.close();
    }
    assertHclogLines(h.plugin.stderrLines);
  },
});

Deno.test({
  name: "recovery: RecoverTask of a container that is gone is an error; garbage state is an error",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start();
    try {
      const t = await h.task({ config: `image = "${IMAGE}"\ncommand = "sleep"\nargs = ["300"]` });
      const started = await h.start(t);
      const handle = started.handle as ProtoMessage;
      await h.client.destroyTask(t.id, true);
      await assert.rejects(h.client.recoverTask(handle), /gone|not found|no such/i);
      await assert.rejects(
        h.client.recoverTask({ ...handle, driver_state: new TextEncoder().encode("{not json") }),
        /driver state/i,
      );
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  name: "recovery: StartTask with a log fifo nobody reads fails cleanly instead of wedging Podman",
  ignore: NEEDS_PODMAN,
  fn: async () => {
    const h = await Harness.start();
    try {
      const t = await h.task({ config: `image = "${IMAGE}"\ncommand = "true"` });
      await t.alloc.stdout!.close(); // the fifo stays, its reader is gone
      const started = Date.now();
      await assert.rejects(h.start(t), /Nobody reads the log fifo/);
      assert.ok(Date.now() - started < 10_000);
      // Podman still answers, and nothing was created.
      const fp = h.client.fingerprint();
      const first = await fp.waitFor(() => true, 10_000);
      fp.cancel();
      assert.equal(first.health, 2);
      const ps = await new Deno.Command("bash", {
        args: [`${REPO_ROOT}/scripts/test_env.sh`, "podman", "ps", "-a", "--format", "{{.Names}}"],
      }).output();
      assert.doesNotMatch(new TextDecoder().decode(ps.stdout), new RegExp(t.alloc.allocId));
    } finally {
      await h.close();
    }
  },
});
