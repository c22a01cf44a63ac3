/** Task lifecycle through the plugin protocol: start, wait, stop, destroy, inspect, signal. */
import assert from "node:assert/strict";
import { NEEDS_PODMAN } from "../support/harness/mod.ts";
import {
  assertGrpcError,
  containerExists,
  inspectRaw,
  nameOf,
  podman,
  shTask,
  waitStdout,
  waitTask,
  withHarness,
} from "./_lifecycle.ts";

const opts = { ignore: NEEDS_PODMAN, sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "lifecycle: exit 3 → WaitTask code 3 within 1 s; stdout in the fifo; destroy removes",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask("echo hello; sleep 1; exit 3") });
      await h.start(t);
      const name = nameOf(t);
      assert.ok(await containerExists(name));
      const exit = await waitTask(h, t.id);
      const waitedAt = Date.now();
      assert.equal(exit.exitCode, 3);
      assert.equal(exit.signal, 0);
      assert.equal(exit.oomKilled, false);
      const raw = await inspectRaw(name);
      const finished = Date.parse(String((raw?.State as Record<string, unknown>).FinishedAt));
      assert.ok(
        waitedAt - finished < 1000,
        `WaitTask answered ${waitedAt - finished} ms after the exit`,
      );
      await waitStdout(t, /^hello$/);
      await h.client.destroyTask(t.id, false);
      assert.equal(await containerExists(name), false);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: exit 0 gives code 0, no signal",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask("exit 0") });
      await h.start(t);
      const exit = await waitTask(h, t.id);
      assert.deepEqual(exit, { exitCode: 0, signal: 0, oomKilled: false, err: "" });
    }),
});

const TRAPS_INT = `trap 'echo got-int; exit 130' INT; echo ready; while :; do sleep 0.1; done`;
const IGNORES_INT = `trap '' INT; echo ready; while :; do sleep 0.1; done`;

Deno.test({
  ...opts,
  name: "lifecycle: StopTask(2s, SIGINT) on a process that traps SIGINT: it exits via SIGINT",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(TRAPS_INT) });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      const t0 = Date.now();
      await h.client.stopTask(t.id, 2000, "SIGINT");
      const exit = await wait;
      assert.ok(Date.now() - t0 < 1500, `stop took ${Date.now() - t0} ms`);
      assert.equal(exit.exitCode, 130);
      assert.equal(exit.signal, 2);
      await waitStdout(t, /^got-int$/);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: StopTask(2s, SIGINT) on a process that ignores it: SIGKILL after ~2 s",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(IGNORES_INT) });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const wait = waitTask(h, t.id);
      const t0 = Date.now();
      await h.client.stopTask(t.id, 2000, "SIGINT");
      const exit = await wait;
      const took = Date.now() - t0;
      assert.ok(took >= 1900 && took < 4000, `stop took ${took} ms`);
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.signal, 9);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: SignalTask SIGKILL kills (137/9); an unknown signal is an error; InspectTask",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(IGNORES_INT) });
      await h.start(t);
      await waitStdout(t, /^ready$/);
      const running = await h.client.inspectTask(t.id);
      const rt = running.task as Record<string, Record<string, unknown>>;
      assert.equal(Number(rt.state), 1); // RUNNING
      assert.ok(Number(rt.started_at?.seconds ?? 0) > 1_600_000_000, "started_at set");
      await assertGrpcError(h.client.signalTask(t.id, "SIGFOO"), /SIGFOO/);
      const wait = waitTask(h, t.id);
      await h.client.signalTask(t.id, "SIGKILL");
      const exit = await wait;
      assert.equal(exit.exitCode, 137);
      assert.equal(exit.signal, 9);
      const done = await h.client.inspectTask(t.id);
      const dt = done.task as Record<string, Record<string, unknown>>;
      assert.equal(Number(dt.state), 2); // EXITED
      assert.ok(Number(dt.completed_at?.seconds ?? 0) >= Number(dt.started_at?.seconds ?? 0));
      assert.equal(Number(dt.result?.exit_code), 137);
      assert.equal(Number(dt.result?.signal), 9);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: a cancelled WaitTask returns promptly; a later WaitTask still gets the exit",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask("sleep 2; exit 4") });
      await h.start(t);
      const t0 = Date.now();
      await assertGrpcError(h.client.waitTask(t.id, 300), /DEADLINE|deadline/i);
      assert.ok(Date.now() - t0 < 1000, `cancelled WaitTask took ${Date.now() - t0} ms`);
      const exit = await waitTask(h, t.id);
      assert.equal(exit.exitCode, 4);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: DestroyTask refuses a running task unless forced; twice is success",
  fn: () =>
    withHarness(async (h) => {
      const t = await h.task({ config: shTask(IGNORES_INT) });
      await h.start(t);
      const name = nameOf(t);
      await assertGrpcError(h.client.destroyTask(t.id, false), /running/);
      assert.ok(await containerExists(name));
      await h.client.destroyTask(t.id, true);
      assert.equal(await containerExists(name), false);
      await h.client.destroyTask(t.id, true);
      await h.client.destroyTask(t.id, false);
    }),
});

Deno.test({
  ...opts,
  name: "lifecycle: gc { container = false } keeps the container after DestroyTask",
  fn: async () => {
    let name = "";
    try {
      await withHarness(async (h) => {
        const t = await h.task({ config: shTask("exit 0") });
        name = nameOf(t);
        await h.start(t);
        await waitTask(h, t.id);
        await h.client.destroyTask(t.id, false);
        assert.ok(await containerExists(name), "container removed despite gc.container = false");
      }, "gc { container = false }");
    } finally {
      if (name) await podman.containers.remove(name, { force: true, volumes: true });
    }
  },
});
