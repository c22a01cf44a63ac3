/** OOM kill: a small memory limit and a memory hog give ExitResult.oom_killed. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import { shTask, waitStdout, waitTask, withHarness } from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "oom: a memory hog over a 16 MiB limit is OOM-killed; ExitResult says so",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask("echo start; tail /dev/zero", `memory_swap = "16m"`),
        memoryMb: 16,
      });
      await h.start(t);
      await waitStdout(t, /^start$/);
      const exit = await waitTask(h, t.id);
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.signal, 9);
      assert.equal(exit.oomKilled, true);
      assert.match(exit.err, /OOM killer/);
    }),
});

Deno.test({
  ...opts,
  name: "oom: a SIGKILL the driver sent (StopTask escalation) is not an OOM kill",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask("trap '' TERM; echo ready; while :; do sleep 0.1; done"),
      });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      await h.client.stopTask(t.id, 500, "SIGTERM");
      const exit = await wait;
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.oomKilled, false);
    }),
});
