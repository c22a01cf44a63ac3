import assert from "node:assert/strict";
import type { ContainerListEntry } from "../podman/mod.ts";
import {
  type DanglingConfig,
  danglingContainers,
  type DanglingFilter,
  DanglingReconciler,
  type ReconcilerContainers,
} from "./reconciler.ts";
import { FakeClock, memLogger } from "../../tests/support/test_clock.ts";

const MANAGED = "io.nomad-driver-podman.managed";
const TASK_ID = "io.nomad-driver-podman.task_id";

function entry(
  id: string,
  opts: { labels?: Record<string, string>; ageMs?: number; state?: string; now?: number } = {},
): ContainerListEntry {
  const now = opts.now ?? 1_000_000;
  const state = opts.state ?? "running";
  return {
    id,
    names: [`name-${id}`],
    state,
    labels: opts.labels ?? { [MANAGED]: "true", [TASK_ID]: `alloc/task/${id}` },
    image: "img",
    imageId: "sha",
    created: opts.ageMs === undefined ? undefined : new Date(now - opts.ageMs),
    exited: state === "exited",
    exitCode: 0,
    pid: state === "running" ? 4242 : 0,
  };
}

class FakeContainers implements ReconcilerContainers {
  entries: ContainerListEntry[] = [];
  listCalls: { all?: boolean; filters?: Record<string, string[]> }[] = [];
  calls: string[] = [];
  failList = false;
  onStop: (id: string) => void = () => {};
  list(
    options: { all?: boolean; filters?: Record<string, string[]> } = {},
  ): Promise<ContainerListEntry[]> {
    this.listCalls.push({ all: options.all, filters: options.filters });
    if (this.failList) return Promise.reject(new Error("connection refused"));
    // Podman applies the label filter: mimic it.
    const want = options.filters?.label ?? [];
    return Promise.resolve(this.entries.filter((e) =>
      want.every((kv) => {
        const [k, v] = kv.split("=");
        return e.labels[k!] === v;
      })
    ));
  }
  stop(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    this.onStop(id);
    return Promise.resolve();
  }
  remove(id: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<boolean> {
    this.calls.push(`remove ${id} force=${options.force} volumes=${options.volumes}`);
    this.entries = this.entries.filter((e) => e.id !== id);
    return Promise.resolve(true);
  }
}

const NOW = 1_000_000;
const base: DanglingFilter = {
  tracked: new Set<string>(),
  taskInFlight: () => false,
  nowMs: NOW,
  creationGraceMs: 60_000,
  removeExited: true,
};

Deno.test("danglingContainers: the decision table", () => {
  const old = 120_000;
  const cases: [string, ContainerListEntry, Partial<DanglingFilter>, boolean][] = [
    ["old, ours, untracked, running", entry("a", { ageMs: old }), {}, true],
    ["no managed label", entry("b", { ageMs: old, labels: { other: "x" } }), {}, false],
    [
      "managed label not 'true'",
      entry("c", { ageMs: old, labels: { [MANAGED]: "false" } }),
      {},
      false,
    ],
    ["tracked", entry("d", { ageMs: old }), { tracked: new Set(["d"]) }, false],
    ["younger than the grace", entry("e", { ageMs: 59_000 }), {}, false],
    ["no created time", entry("f"), {}, false],
    [
      "task start/recover in flight",
      entry("g", { ageMs: old }),
      { taskInFlight: (id: string) => id === "alloc/task/g" },
      false,
    ],
    ["exited, gc.container on", entry("h", { ageMs: old, state: "exited" }), {}, true],
    [
      "exited, gc.container off",
      entry("i", { ageMs: old, state: "exited" }),
      { removeExited: false },
      false,
    ],
    [
      "never ran, gc.container off",
      entry("j", { ageMs: old, state: "created" }),
      { removeExited: false },
      true,
    ],
    ["no task label but ours", entry("k", { ageMs: old, labels: { [MANAGED]: "true" } }), {}, true],
  ];
  for (const [what, e, over, want] of cases) {
    const got = danglingContainers([e], { ...base, ...over }).length === 1;
    assert.equal(got, want, what);
  }
});

function setup(config: Partial<DanglingConfig> = {}) {
  const clock = new FakeClock();
  const fake = new FakeContainers();
  const tracked = new Set<string>();
  const inFlight = new Set<string>();
  const { logger, lines } = memLogger();
  const cfg: DanglingConfig = {
    enabled: true,
    periodMs: 10_000,
    creationGraceMs: 5_000,
    ...config,
  };
  let removeExited = true;
  const r = new DanglingReconciler({
    config: () => cfg,
    removeExited: () => removeExited,
    sockets: () => [{ name: "default", containers: fake }],
    trackedContainers: () => new Set(tracked),
    taskInFlight: (id) => inFlight.has(id),
    logger,
    clock,
    callTimeoutMs: 1000,
  });
  return {
    clock,
    fake,
    tracked,
    inFlight,
    lines,
    cfg,
    r,
    setRemoveExited: (v: boolean) => (removeExited = v),
  };
}

Deno.test("reconciler: first pass one full period after start, then every period", async () => {
  const s = setup({ periodMs: 10_000, creationGraceMs: 5_000 });
  s.fake.entries = [
    entry("dangling", { ageMs: 60_000, now: s.clock.t }),
    entry("foreign", { ageMs: 60_000, now: s.clock.t, labels: { app: "x" } }),
    entry("owned", { ageMs: 60_000, now: s.clock.t }),
  ];
  s.tracked.add("owned");
  s.r.start();
  s.r.start(); // idempotent
  await s.clock.advance(9_999);
  assert.equal(s.fake.listCalls.length, 0, "no pass before one full period");
  await s.clock.advance(1);
  assert.equal(s.fake.listCalls.length, 1);
  assert.deepEqual(s.fake.listCalls[0], {
    all: true,
    filters: { label: ["io.nomad-driver-podman.managed=true"] },
  });
  assert.deepEqual(s.fake.calls, [
    "stop dangling",
    "remove dangling force=true volumes=true",
  ]);
  const info = s.lines.find((l) => l["@message"] === "removed a dangling container no task owns");
  assert.ok(info, "an info line names the removed container");
  assert.equal(info["@level"], "info");
  assert.equal(info.container, "dangling");
  await s.clock.advance(10_000);
  assert.equal(s.fake.listCalls.length, 2, "second pass one period later");
  assert.equal(s.fake.calls.length, 2, "foreign and owned containers untouched");
  await s.r.stop();
  await s.clock.advance(60_000);
  assert.equal(s.fake.listCalls.length, 2, "no pass after stop");
  assert.equal(s.clock.timers.size, 0);
});

Deno.test("reconciler: the first pass waits for the grace when it is longer than the period", async () => {
  const s = setup({ periodMs: 1_000, creationGraceMs: 30_000 });
  s.r.start();
  await s.clock.advance(29_000);
  assert.equal(s.fake.listCalls.length, 0);
  await s.clock.advance(1_000);
  assert.equal(s.fake.listCalls.length, 1);
  await s.r.stop();
});

Deno.test("reconciler: a young container is removed only once it is older than the grace", async () => {
  const s = setup({ periodMs: 10_000, creationGraceMs: 15_000 });
  s.r.start();
  await s.clock.advance(14_000);
  s.fake.entries = [entry("late", { ageMs: 0, now: s.clock.t })];
  await s.clock.advance(6_000); // pass at t0+15s: container 1 s old
  assert.equal(s.fake.listCalls.length, 1);
  assert.deepEqual(s.fake.calls, []);
  await s.clock.advance(10_000); // 11 s old
  assert.deepEqual(s.fake.calls, []);
  await s.clock.advance(10_000); // 21 s old
  assert.deepEqual(s.fake.calls, ["stop late", "remove late force=true volumes=true"]);
  await s.r.stop();
});

Deno.test("reconciler: a task adopted or starting meanwhile is not removed", async () => {
  const s = setup();
  s.fake.entries = [
    entry("x", { ageMs: 60_000, now: s.clock.t }),
    entry("y", { ageMs: 60_000, now: s.clock.t }),
    entry("z", { ageMs: 60_000, now: s.clock.t }),
  ];
  s.inFlight.add("alloc/task/z");
  // While x is being stopped, RecoverTask adopts y.
  s.fake.onStop = (id) => {
    if (id === "x") s.tracked.add("y");
  };
  const report = await s.r.runOnce();
  assert.deepEqual(report.removed, ["default/x"]);
  assert.deepEqual(s.fake.calls, ["stop x", "remove x force=true volumes=true"]);
  await s.r.stop();
});

Deno.test("reconciler: exited containers are kept when gc.container is off; created ones go", async () => {
  const s = setup();
  s.setRemoveExited(false);
  s.fake.entries = [
    entry("exited", { ageMs: 60_000, now: s.clock.t, state: "exited" }),
    entry("created", { ageMs: 60_000, now: s.clock.t, state: "created" }),
  ];
  const report = await s.r.runOnce();
  assert.deepEqual(report.removed, ["default/created"]);
  assert.deepEqual(s.fake.calls, ["remove created force=true volumes=true"], "no stop for created");
  await s.r.stop();
});

Deno.test("reconciler: disabled → never lists", async () => {
  const s = setup({ enabled: false });
  s.fake.entries = [entry("d", { ageMs: 60_000, now: s.clock.t })];
  s.r.start();
  await s.clock.advance(100_000);
  assert.equal(s.fake.listCalls.length, 0);
  // Enabled by a later SetConfig: the next period runs a pass.
  s.cfg.enabled = true;
  await s.clock.advance(10_000);
  assert.equal(s.fake.listCalls.length, 1);
  assert.equal(s.fake.calls.length, 2);
  await s.r.stop();
});

Deno.test("reconciler: Podman down → one warning per outage, next period retries", async () => {
  const s = setup();
  s.fake.failList = true;
  s.r.start();
  await s.clock.advance(30_000);
  assert.equal(s.fake.listCalls.length, 3);
  const warns = s.lines.filter((l) => l["@level"] === "warn");
  assert.equal(warns.length, 1);
  assert.equal(warns[0]!.socket, "default");
  s.fake.failList = false;
  s.fake.entries = [entry("d", { ageMs: 60_000, now: s.clock.t })];
  await s.clock.advance(10_000);
  assert.equal(s.fake.calls.length, 2);
  await s.r.stop();
});
