import assert from "node:assert/strict";
import { OomMonitor, parseOomKills } from "./oom.ts";
import type { CgroupDirs } from "../stats/mod.ts";

const ID = "4c387326e625dedd8a9bbe30a5df15723f4f30f4548dd647035c6148d09cb867";
const DIR = `/sys/fs/cgroup/memory/libpod_parent/libpod-${ID}`;

Deno.test("oom: counters parse from v1 oom_control, v2 memory.events and /proc/vmstat", () => {
  assert.equal(parseOomKills("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), 2);
  assert.equal(parseOomKills("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\noom_group_kill 0\n"), 1);
  assert.equal(parseOomKills("nr_free_pages 1\noom_kill 7\n"), 7);
  assert.equal(parseOomKills("nothing here\n"), undefined);
  assert.equal(parseOomKills(undefined), undefined);
});

/** A fake host: files by path, and the order of each batch's reads. */
function host(files: Map<string, string>) {
  const order: string[] = [];
  return {
    order,
    files,
    read: (p: string) => {
      order.push(p);
      return Promise.resolve(files.get(p));
    },
  };
}
const dirs: CgroupDirs = { version: 1, memory: DIR, cpu: undefined };

Deno.test("oom monitor: a kill the cgroup counted is OOM; reads the host counter first", async () => {
  const h = host(
    new Map([["/proc/vmstat", "oom_kill 4\n"], [`${DIR}/memory.oom_control`, "oom_kill 0\n"]]),
  );
  const m = new OomMonitor({
    read: h.read,
    cgroupDirsOfPid: () => Promise.resolve(dirs),
    sampleMs: 1e9,
  });
  await m.track(ID, 42, false);
  assert.deepEqual(h.order, ["/proc/vmstat", `${DIR}/memory.oom_control`]);
  h.files.set(`${DIR}/memory.oom_control`, "oom_kill 1\n");
  h.files.set("/proc/vmstat", "oom_kill 5\n");
  const e = await m.evidence(ID);
  assert.equal(e?.cgroupKills, 1);
  assert.equal(m.has(ID), false);
  m.stop();
});

Deno.test("oom monitor: cgroup gone at the exit: the host counter decides", async () => {
  const h = host(
    new Map([["/proc/vmstat", "oom_kill 4\n"], [`${DIR}/memory.oom_control`, "oom_kill 0\n"]]),
  );
  const m = new OomMonitor({
    read: h.read,
    cgroupDirsOfPid: () => Promise.resolve(dirs),
    sampleMs: 1e9,
  });
  await m.track(ID, 42, false);
  h.files.delete(`${DIR}/memory.oom_control`);
  // Nobody else was killed: an outside SIGKILL.
  assert.deepEqual(await m.evidence(ID), {
    podmanReliable: false,
    cgroupKills: 0,
    hostKillsRose: false,
  });
  await m.track(ID, 42, false);
  h.files.set(`${DIR}/memory.oom_control`, "oom_kill 0\n");
  await m.track(ID, 42, false);
  h.files.delete(`${DIR}/memory.oom_control`);
  h.files.set("/proc/vmstat", "oom_kill 5\n");
  assert.equal((await m.evidence(ID))?.hostKillsRose, true);
  m.stop();
});

Deno.test("oom monitor: a cgroup that does not name the container is not read", async () => {
  const h = host(new Map([["/proc/vmstat", "oom_kill 4\n"]]));
  const other: CgroupDirs = { version: 1, memory: "/sys/fs/cgroup/memory/other", cpu: undefined };
  const m = new OomMonitor({
    read: h.read,
    cgroupDirsOfPid: () => Promise.resolve(other),
    sampleMs: 1e9,
  });
  await m.track(ID, 42, false);
  assert.deepEqual(h.order, ["/proc/vmstat"]);
  assert.deepEqual(await m.evidence(ID), {
    podmanReliable: false,
    cgroupKills: undefined,
    hostKillsRose: undefined,
  });
  m.stop();
});

Deno.test("oom monitor: a task dead before its cgroup was read is judged from the pre-start count", async () => {
  const h = host(new Map([["/proc/vmstat", "oom_kill 4\n"]]));
  const m = new OomMonitor({
    read: h.read,
    cgroupDirsOfPid: () => Promise.resolve(undefined),
    sampleMs: 1e9,
  });
  await m.prime(ID, false);
  // No track: the container died before the driver saw it running.
  h.files.set("/proc/vmstat", "oom_kill 5\n");
  assert.deepEqual(await m.evidence(ID), {
    podmanReliable: false,
    cgroupKills: undefined,
    hostKillsRose: true,
  });
  // Primed, then tracked: the pre-start baseline stays when the cgroup is never readable.
  await m.prime(ID, false);
  await m.track(ID, 42, false);
  assert.equal((await m.evidence(ID))?.hostKillsRose, false);
  m.stop();
});

Deno.test("oom monitor: a primed container untracked while its tracking starts stays untracked", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const m = new OomMonitor({
    read: () => Promise.resolve("oom_kill 0\n"),
    cgroupDirsOfPid: async () => {
      await gate;
      return { memory: "/sys/fs/cgroup/memory/libpod-cid", cpu: undefined, version: 1 } as never;
    },
  });
  await m.prime("cid", false);
  const tracking = m.track("cid", 42, false);
  m.untrack("cid");
  release();
  await tracking;
  assert.equal(m.has("cid"), false);
  m.stop();
});

Deno.test("oom monitor: the periodic sample rides along with other batches; its own timer fills gaps", async () => {
  const h = host(
    new Map([["/proc/vmstat", "oom_kill 4\n"], [`${DIR}/memory.oom_control`, "oom_kill 0\n"]]),
  );
  const riders = new Set<() => void>();
  const rides = {
    ride(r: () => void) {
      riders.add(r);
      return () => void riders.delete(r);
    },
  };
  const m = new OomMonitor({
    read: h.read,
    rides,
    cgroupDirsOfPid: () => Promise.resolve(dirs),
    sampleMs: 200,
  });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const samples = () => h.order.filter((p) => p === "/proc/vmstat").length;
  try {
    await m.track(ID, 42, false);
    assert.equal(riders.size, 1);
    h.order.length = 0;
    // Another batch every 60 ms: a ride samples when half a period (100 ms) has passed,
    // so every other ride; the own timer (after 220 ms without a sample) never does.
    for (let i = 0; i < 10; i++) {
      await sleep(60);
      for (const r of riders) r();
    }
    assert.ok(samples() >= 4 && samples() <= 6, `${samples()} samples in 10 rides`);
    assert.ok(h.order.includes(`${DIR}/memory.oom_control`));
    // No more batches: the own timer samples.
    h.order.length = 0;
    await sleep(700);
    assert.ok(samples() >= 2, `${samples()} own samples in 700 ms`);
    m.untrack(ID);
    assert.equal(riders.size, 0);
  } finally {
    m.stop();
  }
});
