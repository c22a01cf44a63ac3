import assert from "node:assert/strict";
import { PodmanConflictError } from "../podman/mod.ts";
import { InvalidRequestError } from "./errors.ts";
import { TaskStopper } from "./stop_destroy.ts";
import { TaskHandle } from "./task_handle.ts";
import { type DriverKit, driverKit } from "../../tests/support/driver_kit.ts";
import { type FakeContainer, type FakePort, fakeState } from "../../tests/support/fake_port.ts";

interface StopKit extends DriverKit {
  stopper: TaskStopper<FakePort>;
  forgotten: string[];
  removeContainers: boolean;
}

function stopKit(): StopKit {
  const k = driverKit();
  const forgotten: string[] = [];
  const kit: StopKit = {
    ...k,
    forgotten,
    removeContainers: true,
    stopper: new TaskStopper({
      checkExit: (client, id) => k.recorder.check(client, id),
      removeContainers: () => kit.removeContainers,
      forget: (h) => {
        forgotten.push(h.taskId);
        k.tasks.delete(h.taskId);
      },
      logger: k.logger,
      killGraceMs: 50,
    }),
  };
  // As the exit watcher does: a death is noticed a moment later.
  k.port.onKill = (c, signal) => {
    if (signal === "SIGIGNORED" || signal === "SIGTERM" && c.name === "stubborn") return;
    c.state = fakeState("exited", { exitCode: 128 + (signal === "SIGKILL" ? 9 : 15) });
    setTimeout(() => void k.recorder.check(k.port, c.id), 1);
  };
  return kit;
}

function runTask(k: DriverKit, status = "running", name = "web"): {
  h: TaskHandle<FakePort>;
  c: FakeContainer;
} {
  const c = k.port.add(name, fakeState(status));
  const h = new TaskHandle({
    taskId: `task-${name}`,
    taskName: name,
    allocId: "alloc",
    client: k.port,
    state: {
      socket: "default",
      containerId: c.id,
      containerName: name,
      imageId: "sha256:ab",
      imageRef: "busybox",
      startedAtMs: 1,
      network: undefined,
      logDriver: "nomad",
      logCollectionDisabled: false,
    },
  });
  k.tasks.add(h);
  return { h, c };
}

const kills = (k: DriverKit) =>
  k.port.calls.filter((c) => c.op === "kill").map((c) => String(c.arg));

Deno.test("stop: the requested signal; an exit within the timeout ends it (no SIGKILL)", async () => {
  const k = stopKit();
  const { h } = runTask(k);
  await k.stopper.stop(h, { timeoutMs: 5000, signal: "SIGINT" });
  assert.deepEqual(kills(k), ["SIGINT"]);
  assert.equal(h.exitResult?.signal, 15);
  assert.equal(h.killSent, false);
});

Deno.test("stop: SIGTERM by default; escalates to SIGKILL after the timeout", async () => {
  const k = stopKit();
  const { h } = runTask(k, "running", "stubborn");
  await k.stopper.stop(h, { timeoutMs: 20, signal: "" });
  assert.deepEqual(kills(k), ["SIGTERM", "SIGKILL"]);
  assert.equal(h.killSent, true, "a 137 after our own SIGKILL is no OOM kill");
  assert.equal(h.exitResult?.exitCode, 137);
  assert.ok(k.lines.some((l) => l["@message"] === "task did not stop in time; sending SIGKILL"));
});

Deno.test("stop: a paused container is unpaused first, so that it gets the signal", async () => {
  const k = stopKit();
  const { h } = runTask(k, "paused");
  await k.stopper.stop(h, { timeoutMs: 5000, signal: "SIGTERM" });
  const ops = k.port.ops();
  assert.ok(ops.indexOf("unpause") >= 0 && ops.indexOf("unpause") < ops.indexOf("kill"), `${ops}`);
  assert.ok(h.exitResult);
});

Deno.test("stop: a container already dead is not signalled; its exit is recorded", async () => {
  const k = stopKit();
  const { h, c } = runTask(k);
  c.state = fakeState("exited", { exitCode: 3 });
  await k.stopper.stop(h, { timeoutMs: 5000, signal: "SIGTERM" });
  assert.deepEqual(kills(k), []);
  assert.equal(h.exitResult?.exitCode, 3);
});

Deno.test("stop: Podman answers 409 to the kill (it just exited) → the exit is recorded", async () => {
  const k = stopKit();
  const { h, c } = runTask(k);
  k.port.fail.kill = [
    new PodmanConflictError("container state improper", {
      method: "POST",
      path: `/libpod/containers/${c.id}/kill`,
      status: 409,
    }),
  ];
  c.state = fakeState("running");
  const stopping = k.stopper.stop(h, { timeoutMs: 5000, signal: "SIGTERM" });
  c.state = fakeState("exited", { exitCode: 0 });
  await stopping;
  assert.equal(h.exitResult?.exitCode, 0);
});

Deno.test("stop: an unknown signal is refused, naming the field", async () => {
  const k = stopKit();
  const { h } = runTask(k);
  const err = await k.stopper.stop(h, { timeoutMs: 10, signal: "SIGBOGUS" }).catch((e) => e);
  assert.ok(err instanceof InvalidRequestError && err.field === "signal", String(err));
  assert.deepEqual(kills(k), []);
});

Deno.test("stop: an exited task is a no-op", async () => {
  const k = stopKit();
  const { h } = runTask(k);
  h.markExited({ exitCode: 0, signal: 0, oomKilled: false });
  await k.stopper.stop(h, { timeoutMs: 10, signal: "" });
  assert.deepEqual(k.port.ops(), []);
});

Deno.test("destroy: a running task is refused unless forced, and left untouched", async () => {
  const k = stopKit();
  const { h, c } = runTask(k);
  const err = await k.stopper.destroy(h, false).catch((e) => e);
  assert.ok(err instanceof InvalidRequestError && err.field === "force", String(err));
  assert.deepEqual(k.port.ops(), []);
  assert.ok(k.port.byId.has(c.id));
  assert.deepEqual(k.forgotten, []);
});

Deno.test("destroy: forced on a running task → SIGKILL, the exit, removal, forgotten", async () => {
  const k = stopKit();
  const { h, c } = runTask(k);
  await k.stopper.destroy(h, true);
  assert.deepEqual(kills(k), ["SIGKILL"]);
  assert.equal(h.exitResult?.exitCode, 137);
  assert.equal(k.port.byId.has(c.id), false);
  assert.deepEqual(k.forgotten, [h.taskId]);
});

Deno.test("destroy: an exited task's container is removed with gc.container, kept without", async () => {
  for (const remove of [true, false]) {
    const k = stopKit();
    k.removeContainers = remove;
    const { h, c } = runTask(k, "exited");
    h.markExited({ exitCode: 0, signal: 0, oomKilled: false });
    await k.stopper.destroy(h, false);
    assert.equal(k.port.byId.has(c.id), !remove);
    assert.deepEqual(k.forgotten, [h.taskId]);
  }
});

Deno.test("destroy: idempotent (an unknown or already destroyed task is no error)", async () => {
  const k = stopKit();
  const { h } = runTask(k, "exited");
  h.markExited({ exitCode: 0, signal: 0, oomKilled: false });
  await k.stopper.destroy(h, false);
  await k.stopper.destroy(k.tasks.find(h.taskId), false);
  await k.stopper.destroy(undefined, true);
  assert.deepEqual(k.forgotten, [h.taskId]);
});

Deno.test("signal: by name or number; refused for an unknown signal or an exited task", async () => {
  const k = stopKit();
  const { h } = runTask(k);
  k.port.onKill = () => {};
  await k.stopper.signal(h, "SIGHUP");
  await k.stopper.signal(h, "10");
  assert.deepEqual(kills(k), ["SIGHUP", "SIGUSR1"]);
  await assert.rejects(k.stopper.signal(h, "SIGNOPE"), InvalidRequestError);
  h.markExited({ exitCode: 0, signal: 0, oomKilled: false });
  const err = await k.stopper.signal(h, "SIGHUP").catch((e) => e);
  assert.ok(err instanceof InvalidRequestError && err.field === "task_id", String(err));
});
