import assert from "node:assert/strict";
import { decodeDriverState } from "./driver_state.ts";
import { InvalidRequestError, RecoverableError, TaskExistsError } from "./errors.ts";
import { TaskStarter } from "./start.ts";
import { containerName } from "./spec/mod.ts";
import { PodmanConflictError } from "../podman/mod.ts";
import { makeConfig, makeHostFacts, makePlugin, makeTask } from "../../tests/support/factories.ts";
import type { PluginConfig, TaskConfig } from "../config/mod.ts";
import type { NomadTask } from "./task_request.ts";
import {
  type DriverKit,
  driverKit,
  type FakeFifo,
  fakeFifo,
} from "../../tests/support/driver_kit.ts";
import { fakeState } from "../../tests/support/fake_port.ts";

const IMAGE_ID = `sha256:${"ab".repeat(32)}`;

interface StartKit extends DriverKit {
  starter: TaskStarter<DriverKit["port"]>;
  started: string[];
  fifo: FakeFifo;
}

function startKit(plugin: PluginConfig = makePlugin()): StartKit {
  const k = driverKit();
  const started: string[] = [];
  const fifo = fakeFifo();
  const starter = new TaskStarter({
    tasks: k.tasks,
    socketFor: () => ({
      socket: { name: "default", socketPath: k.port.socketPath },
      client: k.port,
    }),
    config: () => plugin,
    facts: () => Promise.resolve(makeHostFacts()),
    resolveImage: () => Promise.resolve(IMAGE_ID),
    holdLogFifo: fifo.hold,
    exits: k.exits,
    oom: k.oom,
    recorder: k.recorder,
    started: (h) => void started.push(h.taskId),
    event: k.event,
    logger: k.logger,
  });
  return { ...k, starter, started, fifo };
}

const task = (over: Partial<NomadTask> = {}) => makeTask(over);
const config = (over: Partial<TaskConfig> = {}) => makeConfig({ image: "busybox", ...over });

Deno.test("start: create, start, verify, register (no leftover lookup); the fifo is held until start returned", async () => {
  const k = startKit();
  const t = task();
  const res = await k.starter.start(t, config());
  // The last inspect: an exit check for a death noticed before the task was registered.
  assert.deepEqual(k.port.ops(), ["create", "start", "inspectWithRaw", "inspect"]);
  const h = k.tasks.get(t.id);
  assert.equal(decodeDriverState(res.driverState).containerId, h.containerId);
  assert.equal(h.state.imageId, IMAGE_ID);
  assert.equal(h.state.startedAtMs, 1_700_000_000_000);
  assert.equal(res.network?.ip, "10.88.0.7");
  assert.deepEqual(k.started, [t.id]);
  assert.ok(k.watched.has(h.containerId));
  assert.deepEqual([k.fifo.held, k.fifo.released], [1, 1]);
  assert.equal(k.tasks.inFlight(t.id), false);
});

Deno.test("start: a death noticed before the task was registered is looked at once more", async () => {
  const k = startKit();
  const t = task();
  // The exit notice comes while Podman starts the container: no task owns it yet.
  k.port.onStart = (c) => {
    c.state = fakeState("running");
    void k.recorder.check(k.port, c.id);
  };
  await k.starter.start(t, config());
  assert.deepEqual(k.port.ops(), ["create", "start", "inspectWithRaw", "inspect"]);
});

Deno.test("start: a stopped leftover holding the task's name is removed on the name clash, then created", async () => {
  const k = startKit();
  const t = task();
  const old = k.port.add(containerName(t.name, t.allocId), fakeState("exited"));
  await k.starter.start(t, config());
  assert.deepEqual(k.port.ops().slice(0, 5), ["create", "inspect", "remove", "create", "start"]);
  assert.equal(k.port.calls[2]!.id, old.id);
  assert.equal(k.port.byId.has(old.id), false);
  assert.equal(k.tasks.get(t.id).state.containerName, old.name);
});

Deno.test("start: a name clash whose holder is gone by the lookup is retried once, then reported", async () => {
  const k = startKit();
  const t = task();
  const name = containerName(t.name, t.allocId);
  const conflict = () =>
    new PodmanConflictError(`the container name "${name}" is already in use`, {
      method: "POST",
      path: "/libpod/containers/create",
      status: 500,
      podmanCause: "that name is already in use",
    });
  k.port.fail.create = [conflict(), conflict()];
  await assert.rejects(k.starter.start(t, config()), PodmanConflictError);
  assert.deepEqual(k.port.ops(), ["create", "inspect", "create"]);
  assert.equal(k.tasks.has(t.id), false);
});

Deno.test("start: a leftover that a running task owns is refused and nothing is created", async () => {
  const k = startKit();
  const t = task();
  await k.starter.start(t, config());
  const second = task({ id: "another-task-id" });
  const from = k.port.calls.length;
  await assert.rejects(k.starter.start(second, config()), TaskExistsError);
  // The clash names the running task's container: no removal, no second container.
  assert.deepEqual(k.port.ops().slice(from), ["create", "inspect"]);
  assert.equal(k.port.byId.size, 1);
});

Deno.test("start: the same task ID twice is refused", async () => {
  const k = startKit();
  const t = task();
  await k.starter.start(t, config());
  await assert.rejects(k.starter.start(t, config()), TaskExistsError);
});

Deno.test("start: Podman's start fails → the created container is removed (rollback)", async () => {
  const k = startKit();
  const t = task();
  k.port.fail.start = [new Error("OCI runtime error: boom")];
  await assert.rejects(k.starter.start(t, config()), /boom/);
  assert.deepEqual(k.port.ops(), ["create", "start", "remove"]);
  assert.equal(k.port.byId.size, 0, "no container left");
  assert.equal(k.tasks.has(t.id), false);
  assert.equal(k.watched.size, 0, "exit watch dropped");
  assert.ok(k.oomCalls.some((c) => c.startsWith("untrack ")));
  assert.deepEqual(k.started, []);
  assert.equal(k.fifo.released, 1, "the fifo is released after a failure too");
});

Deno.test("start: a setting Podman did not apply fails the start, naming it, and rolls back", async () => {
  const k = startKit();
  k.port.onStart = (c) => {
    c.state = fakeState("running");
    c.raw = { HostConfig: { Memory: 1 } };
  };
  const err = await k.starter.start(task(), config()).catch((e) => e);
  assert.ok(err instanceof InvalidRequestError, String(err));
  assert.equal(err.field, "resources.memory", err.message);
  assert.match(err.message, /Podman did not apply resources.memory: .*asked for 104857600, got 1/);
  assert.equal(k.port.byId.size, 0);
  assert.equal(k.port.ops().at(-1), "remove");
});

Deno.test("start: the rollback's own failure is logged and the start error kept", async () => {
  const k = startKit();
  k.port.fail.start = [new Error("start failed")];
  k.port.fail.remove = [new Error("remove failed")];
  await assert.rejects(k.starter.start(task(), config()), /start failed/);
  assert.ok(
    k.lines.some((l) => l["@message"] === "cannot remove a container after a failed start"),
  );
});

Deno.test("start: nobody reads the log fifo → a recoverable error before anything is created", async () => {
  const k = startKit();
  k.fifo.reader = false;
  const err = await k.starter.start(task(), config()).catch((e) => e);
  assert.ok(err instanceof RecoverableError && err.recoverable, String(err));
  assert.match(err.message, /stdout_path/);
  assert.deepEqual(k.port.ops(), []);
});

Deno.test("start: a container that exits at once is registered with its exit", async () => {
  const k = startKit();
  k.port.onStart = (c) => void (c.state = fakeState("exited", { exitCode: 3 }));
  const t = task();
  await k.starter.start(t, config());
  assert.equal(k.tasks.get(t.id).exitResult?.exitCode, 3);
  assert.equal(k.watched.size, 0, "an exited task is not watched");
});

Deno.test("start: an operator policy refusal creates nothing", async () => {
  const plugin = makePlugin();
  const k = startKit({ ...plugin, policy: { ...plugin.policy, allowPrivileged: false } });
  await assert.rejects(k.starter.start(task(), config({ privileged: true })), InvalidRequestError);
  assert.deepEqual(k.port.ops(), []);
});
