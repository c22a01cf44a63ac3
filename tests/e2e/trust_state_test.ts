/**
 * Issue 12 (trust): the OOM verdict comes from the kernel's counters, and a
 * paused container is alive for every part of the driver.
 */
import assert from "node:assert/strict";
import { defaultPluginConfig, Harness, NEEDS_PODMAN } from "../support/harness/mod.ts";
import type { ProtoMessage } from "../../src/grpc/proto_root.ts";
import {
  containerExists,
  nameOf,
  podman,
  podmanCli,
  shTask,
  waitStdout,
  waitTask,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

/** Resolves `p` or reports that it is still pending after `ms`. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

Deno.test({
  ...opts,
  name: "trust oom: a 64 MiB task SIGKILLed from outside is signal 9, not an OOM kill",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask("echo ready; while :; do sleep 0.1; done"),
        memoryMb: 64,
      });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      const killed = await podmanCli("kill", "-s", "KILL", nameOf(t));
      assert.equal(killed.code, 0, killed.stderr);
      const exit = await wait;
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.signal, 9);
      assert.equal(exit.oomKilled, false);
      assert.doesNotMatch(exit.err, /OOM/);
    }),
});

Deno.test({
  ...opts,
  name: "trust oom: tail /dev/zero under 10 MiB is OOM-killed, and the error says OOM",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask("echo start; sleep 1; tail /dev/zero", `memory_swap = "10m"`),
        memoryMb: 10,
      });
      await h.start(t);
      await waitStdout(t, /^start$/);
      const exit = await waitTask(h, t.id);
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.oomKilled, true);
      assert.match(exit.err, /OOM/);
    }),
});

const TRAP = "trap 'echo got-term; exit 3' TERM; echo ready; while :; do sleep 0.1; done";

Deno.test({
  ...opts,
  name:
    "trust pause: WaitTask does not answer while paused; StopTask after resume gives the trap's code",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(TRAP) });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      assert.equal((await podmanCli("pause", nameOf(t))).code, 0);
      assert.equal(await settledWithin(wait, 2500), false, "WaitTask answered while paused");
      const running = await h.client.inspectTask(t.id);
      assert.equal(Number((running.task as ProtoMessage).state), 1, "paused task is RUNNING");
      assert.equal((await podmanCli("unpause", nameOf(t))).code, 0);
      assert.equal(await settledWithin(wait, 500), false, "WaitTask answered after resume");
      await h.client.stopTask(t.id, 5000, "SIGTERM");
      const exit = await wait;
      assert.equal(exit.exitCode, 3);
    }),
});

Deno.test({
  ...opts,
  name: "trust pause: StopTask on a paused container thaws it and the trap's code comes back",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(TRAP) });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      assert.equal((await podmanCli("pause", nameOf(t))).code, 0);
      await h.client.stopTask(t.id, 5000, "SIGTERM");
      const exit = await wait;
      assert.equal(exit.exitCode, 3);
      await waitStdout(t, /^got-term$/);
    }),
});

Deno.test({
  ...opts,
  name:
    "trust pause: plugin SIGKILLed while paused; RecoverTask → RUNNING → Stop → Wait → Destroy, no container left",
  fn: async () => {
    const h1 = await Harness.start({ pluginConfig: defaultPluginConfig() });
    let h2: Harness | undefined;
    const t = await h1.task({ config: shTask(TRAP) });
    const name = nameOf(t);
    try {
      const resp = await h1.start(t);
      await waitStdout(t, /^ready$/);
      assert.equal((await podmanCli("pause", name)).code, 0);
      h1.plugin.kill("SIGKILL");
      assert.ok(await h1.plugin.waitExit(5000), "plugin survived SIGKILL");
      h2 = await Harness.start({ pluginConfig: defaultPluginConfig() });
      await h2.client.recoverTask(resp.handle as ProtoMessage);
      const inspect = await h2.client.inspectTask(t.id);
      assert.equal(
        Number((inspect.task as ProtoMessage).state),
        1,
        "recovered paused task is RUNNING",
      );
      const wait = waitTask(h2, t.id);
      await h2.client.stopTask(t.id, 5000, "SIGTERM");
      const exit = await wait;
      assert.equal(exit.exitCode, 3);
      await h2.client.destroyTask(t.id, false);
      assert.equal(await containerExists(name), false, "container left behind");
    } finally {
      if (h2) await h2.close();
      await podman.containers.remove(name, { force: true, volumes: true }).catch(() => {});
      await h1.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "trust pause: a forced DestroyTask of a paused task kills and removes it",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({
        config: shTask("trap '' TERM; echo ready; while :; do sleep 0.1; done"),
      });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      assert.equal((await podmanCli("pause", nameOf(t))).code, 0);
      await h.client.destroyTask(t.id, true);
      assert.equal(await containerExists(nameOf(t)), false, "container left behind");
    }),
});
