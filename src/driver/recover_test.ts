import assert from "node:assert/strict";
import { type DriverState, DriverStateError, encodeDriverState } from "./driver_state.ts";
import { RecoverableError } from "./errors.ts";
import { TaskRecoverer } from "./recover.ts";
import { makePlugin, makeTask } from "../../tests/support/factories.ts";
import type { PluginConfig } from "../config/mod.ts";
import {
  type DriverKit,
  driverKit,
  type FakeFifo,
  fakeFifo,
} from "../../tests/support/driver_kit.ts";
import { type FakeContainer, fakeState } from "../../tests/support/fake_port.ts";

interface RecoverKit extends DriverKit {
  recoverer: TaskRecoverer<DriverKit["port"]>;
  companions: string[];
  fifo: FakeFifo;
}

function recoverKit(over: Partial<PluginConfig> = {}): RecoverKit {
  const k = driverKit();
  const plugin = { ...makePlugin(), ...over };
  const companions: string[] = [];
  const fifo = fakeFifo();
  const recoverer = new TaskRecoverer({
    tasks: k.tasks,
    clientFor: () => k.port,
    config: () => plugin,
    holdLogFifo: fifo.hold,
    exits: k.exits,
    recorder: k.recorder,
    companions: {
      adopted: (h) => Promise.resolve(void companions.push(`adopted ${h.taskId}`)),
      restarted: (h) => void companions.push(`restarted ${h.taskId}`),
    },
    logger: k.logger,
  });
  return { ...k, recoverer, companions, fifo };
}

const task = makeTask();

function stored(c: FakeContainer, over: Partial<DriverState> = {}): { driverState: Uint8Array } {
  return {
    driverState: encodeDriverState({
      socket: "default",
      containerId: c.id,
      containerName: c.name,
      imageId: "sha256:ab",
      imageRef: "busybox",
      startedAtMs: 1_700_000_000_000,
      network: undefined,
      logDriver: "nomad",
      logCollectionDisabled: false,
      ...over,
    }),
  };
}

const gc = (container: boolean) => ({ ...makePlugin().gc, container });

for (const status of ["running", "paused"]) {
  Deno.test(`recover: ${status} → adopt (registered, watched, companions started)`, async () => {
    const k = recoverKit();
    const c = k.port.add("web", fakeState(status));
    assert.equal(await k.recoverer.recover(task, stored(c)), "adopt");
    assert.equal(k.tasks.get(task.id).containerId, c.id);
    assert.ok(k.watched.has(c.id));
    assert.deepEqual(k.companions, [`adopted ${task.id}`]);
    assert.equal(k.tasks.get(task.id).exitResult, undefined, "still running");
    assert.equal(k.fifo.held, 0, "an adopted container's fifo is conmon's already");
  });
}

Deno.test("recover: exited, recover_stopped = false → report-exited with the exit code; gc removes it", async () => {
  const k = recoverKit({ recoverStopped: false, gc: gc(true) });
  const c = k.port.add("web", fakeState("exited", { exitCode: 4 }));
  assert.equal(await k.recoverer.recover(task, stored(c)), "report-exited");
  assert.equal(k.tasks.get(task.id).exitResult?.exitCode, 4);
  assert.ok(k.port.ops().includes("remove"));
  assert.equal(k.port.ops().includes("start"), false);
});

Deno.test("recover: exited, gc { container = false } → reported and kept", async () => {
  const k = recoverKit({ recoverStopped: false, gc: gc(false) });
  const c = k.port.add("web", fakeState("exited", { exitCode: 0 }));
  assert.equal(await k.recoverer.recover(task, stored(c)), "report-exited");
  assert.equal(k.port.ops().includes("remove"), false);
});

Deno.test("recover: removing → report-exited", async () => {
  const k = recoverKit({ recoverStopped: true });
  const c = k.port.add("web", fakeState("removing", { exitCode: 1 }));
  assert.equal(await k.recoverer.recover(task, stored(c)), "report-exited");
  assert.equal(k.tasks.get(task.id).exitResult?.exitCode, 1);
});

Deno.test("recover: exited, recover_stopped = true, the fifo is read → restart with the fifo held", async () => {
  const k = recoverKit({ recoverStopped: true });
  const c = k.port.add("web", fakeState("exited", { exitCode: 1 }));
  assert.equal(await k.recoverer.recover(task, stored(c)), "restart");
  assert.ok(k.port.ops().includes("start"));
  assert.equal(k.tasks.get(task.id).exitResult, undefined, "running again");
  assert.deepEqual(k.companions, [`restarted ${task.id}`]);
  assert.deepEqual([k.fifo.held, k.fifo.released], [1, 1]);
});

Deno.test("recover: exited, recover_stopped = true, nobody reads the fifo → report-exited, not started", async () => {
  const k = recoverKit({ recoverStopped: true });
  k.fifo.reader = false;
  const c = k.port.add("web", fakeState("exited", { exitCode: 2 }));
  assert.equal(await k.recoverer.recover(task, stored(c)), "report-exited");
  assert.equal(k.port.ops().includes("start"), false, "a start would wedge Podman on the fifo");
  assert.equal(k.tasks.get(task.id).exitResult?.exitCode, 2);
  assert.ok(k.lines.some((l) => String(l["@message"]).includes("log fifo has no reader")));
});

Deno.test("recover: exited, recover_stopped = true, journald logs → restart without a fifo", async () => {
  const k = recoverKit({ recoverStopped: true });
  k.fifo.reader = false;
  const c = k.port.add("web", fakeState("exited"));
  assert.equal(await k.recoverer.recover(task, stored(c, { logDriver: "journald" })), "restart");
  assert.equal(k.fifo.held, 0);
});

Deno.test("recover: a failed restart releases the fifo and registers nothing", async () => {
  const k = recoverKit({ recoverStopped: true });
  k.port.fail.start = [new Error("runc: boom")];
  const c = k.port.add("web", fakeState("exited"));
  await assert.rejects(k.recoverer.recover(task, stored(c)), /boom/);
  assert.equal(k.fifo.released, 1);
  assert.equal(k.tasks.has(task.id), false);
});

Deno.test("recover: the container is gone → a non-recoverable error, nothing registered", async () => {
  const k = recoverKit();
  const c = k.port.add("web", fakeState("running"));
  k.port.byId.delete(c.id);
  const err = await k.recoverer.recover(task, stored(c)).catch((e) => e);
  assert.ok(err instanceof RecoverableError && !err.recoverable, String(err));
  assert.match(err.message, /is gone/);
  assert.equal(k.tasks.has(task.id), false);
});

Deno.test("recover: a task already known is left alone (no Podman call)", async () => {
  const k = recoverKit();
  const c = k.port.add("web", fakeState("running"));
  await k.recoverer.recover(task, stored(c));
  const calls = k.port.calls.length;
  assert.equal(await k.recoverer.recover(task, stored(c)), "known");
  assert.equal(k.port.calls.length, calls);
});

Deno.test("recover: undecodable driver state → DriverStateError before any Podman call", async () => {
  const k = recoverKit();
  await assert.rejects(
    k.recoverer.recover(task, { driverState: new Uint8Array([1, 2, 3]) }),
    DriverStateError,
  );
  assert.deepEqual(k.port.ops(), []);
});
