import assert from "node:assert/strict";
import { cgroupDirs, parseKeyValues, readCgroupDetail } from "./cgroup.ts";
import { cpuinfoMhz, CpuTracker, mhzPerCore, ticksConsumed } from "./cpu_tracker.ts";
import { ContainerCpu, isEmptySample, toStatsSample } from "./convert.ts";
import { StatsSource } from "./source.ts";
import type { StatsSample as PodmanSample } from "../podman/mod.ts";
import { PodmanNotFoundError } from "../podman/mod.ts";
import { Logger } from "../plugin_log/mod.ts";

const ID = "60c34a9f3ba08533fc431aab8e497d3a153ff54a9573c2a599cf4107307c5486";
const MOUNTINFO = [
  "30 23 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu",
  "34 30 0:30 / /sys/fs/cgroup/memory rw,relatime shared:13 - cgroup cgroup rw,memory",
  "40 30 0:36 / /sys/fs/cgroup/unified rw,relatime shared:19 - cgroup2 cgroup2 rw",
].join("\n");
const PROC_CGROUP = [
  `4:memory:/libpod_parent/libpod-${ID}`,
  `1:cpu:/libpod_parent/libpod-${ID}`,
  `0::/libpod_parent/libpod-${ID}`,
].join("\n");

function sample(over: Partial<PodmanSample> = {}): PodmanSample {
  return {
    containerId: ID,
    name: "c",
    cpuNano: 0,
    cpuSystemNano: 0,
    cpuUserNano: 0,
    systemNano: 0,
    cpuPercent: 0,
    memUsage: 1000,
    memLimit: 0,
    pids: 1,
    netInput: 0,
    netOutput: 0,
    blockInput: 0,
    blockOutput: 0,
    ...over,
  };
}

Deno.test("cpu tracker: percent of one core from cumulative ns, 0 first and on wrap", () => {
  const t = new CpuTracker();
  assert.equal(t.percent(1e9, 10e9), 0);
  assert.equal(t.primed, true);
  assert.equal(t.percent(2e9, 11e9), 100);
  assert.equal(t.percent(2.5e9, 12e9), 50);
  assert.equal(t.percent(1e9, 13e9), 0);
  assert.equal(t.percent(2e9, 13e9), 0);
  assert.equal(ticksConsumed(50, 2000), 1000);
  assert.equal(mhzPerCore(4000, 2), 2000);
  assert.equal(mhzPerCore(0, 2, () => "cpu MHz\t\t: 2000.5\ncpu MHz\t\t: 1999.5\n"), 2000);
  assert.equal(cpuinfoMhz("nothing"), 0);
});

Deno.test("cgroup: v1 dirs from /proc/<pid>/cgroup and mountinfo; v2 when no v1 controllers", () => {
  assert.deepEqual(cgroupDirs(PROC_CGROUP, MOUNTINFO), {
    version: 1,
    memory: `/sys/fs/cgroup/memory/libpod_parent/libpod-${ID}`,
    cpu: `/sys/fs/cgroup/cpu/libpod_parent/libpod-${ID}`,
  });
  const v2 = cgroupDirs(
    "0::/machine.slice/libpod-x.scope\n",
    "40 30 0:36 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw",
  );
  assert.deepEqual(v2, {
    version: 2,
    memory: "/sys/fs/cgroup/machine.slice/libpod-x.scope",
    cpu: "/sys/fs/cgroup/machine.slice/libpod-x.scope",
  });
  assert.equal(cgroupDirs("garbage", MOUNTINFO), undefined);
  assert.equal(parseKeyValues("a 1\nb x\nc 3\n").get("c"), 3);
});

Deno.test("cgroup: reads v1 and v2 detail; unreadable files stay unmeasured", async () => {
  const files: Record<string, string> = {
    "/m/memory.stat": "cache 5\nrss 6\ntotal_cache 10\ntotal_rss 20\ntotal_swap 30\n",
    "/m/memory.usage_in_bytes": "40\n",
    "/m/memory.max_usage_in_bytes": "50\n",
    "/c/cpu.stat": "nr_periods 9\nnr_throttled 7\nthrottled_time 123\n",
    "/v2/memory.stat": "anon 1\nfile 2\n",
    "/v2/memory.current": "3\n",
    "/v2/cpu.stat": "nr_throttled 4\nthrottled_usec 5\n",
  };
  const read = (p: string) => Promise.resolve(files[p]);
  assert.deepEqual(await readCgroupDetail({ version: 1, memory: "/m", cpu: "/c" }, read), {
    rss: 20,
    cache: 10,
    swap: 30,
    usage: 40,
    maxUsage: 50,
    throttledPeriods: 7,
    throttledTimeNs: 123,
  });
  assert.deepEqual(await readCgroupDetail({ version: 2, memory: "/v2", cpu: "/v2" }, read), {
    rss: 1,
    cache: 2,
    usage: 3,
    throttledPeriods: 4,
    throttledTimeNs: 5000,
  });
  assert.deepEqual(await readCgroupDetail({ version: 1, memory: "/none", cpu: "/none" }, read), {});
});

Deno.test("cgroup: every detail file is asked for in one tick (one host read batch)", async () => {
  const asked: string[] = [];
  const release: Array<() => void> = [];
  const read = (p: string) => {
    asked.push(p);
    return new Promise<string | undefined>((r) => release.push(() => r(undefined)));
  };
  const detail = readCgroupDetail({ version: 1, memory: "/m", cpu: "/c" }, read);
  await Promise.resolve();
  assert.deepEqual(asked, [
    "/m/memory.stat",
    "/m/memory.usage_in_bytes",
    "/m/memory.max_usage_in_bytes",
    "/c/cpu.stat",
  ]);
  for (const r of release) r();
  assert.deepEqual(await detail, {});
});

Deno.test("convert: measured lists exactly what is filled in", () => {
  const cpu = new ContainerCpu();
  const first = toStatsSample(
    sample({ cpuNano: 1e9, cpuSystemNano: 2e8, cpuUserNano: 8e8, systemNano: 10e9 }),
    {},
    cpu,
    2000,
    1,
  );
  assert.deepEqual(first.cpu.measured, []);
  assert.deepEqual(first.memory.measured, ["Usage"]);
  assert.equal(first.memory.usage, 1000);
  const s = toStatsSample(
    sample({ cpuNano: 2e9, cpuSystemNano: 3e8, cpuUserNano: 1.7e9, systemNano: 11e9 }),
    { rss: 5, cache: 6, swap: 0, maxUsage: 9, throttledPeriods: 2, throttledTimeNs: 3 },
    cpu,
    2000,
    2,
  );
  assert.deepEqual(s.cpu.measured.sort(), [
    "Percent",
    "System Mode",
    "Throttled Periods",
    "Throttled Time",
    "Total Ticks",
    "User Mode",
  ]);
  assert.deepEqual(s.memory.measured.sort(), ["Cache", "Max Usage", "RSS", "Swap", "Usage"]);
  assert.equal(s.cpu.percent, 100);
  assert.ok(Math.abs(s.cpu.userMode - 90) < 1e-9 && Math.abs(s.cpu.systemMode - 10) < 1e-9);
  assert.equal(s.cpu.totalTicks, 2000);
  assert.equal(s.memory.rss, 5);
  assert.ok(isEmptySample(sample({ memUsage: 0, pids: 0 })));
});

Deno.test("source: one fetch per interval serves every subscriber; missing containers fall back to all", async () => {
  const calls: string[][] = [];
  let n = 0;
  let failNext = false;
  const ids = ["a", "b", "c"];
  const lookups: string[][] = [];
  const source = new StatsSource({
    logger: new Logger("test", { sink: { write: () => {} }, level: "error" }),
    minPeriodMs: 50,
    backend: {
      fetch: (containers) => {
        calls.push(containers);
        if (failNext && containers.length > 0) {
          failNext = false;
          return Promise.reject(
            new PodmanNotFoundError("gone", { method: "GET", path: "/x", status: 200 }),
          );
        }
        n++;
        return Promise.resolve(
          ids.map((id) => sample({ containerId: id, cpuNano: n * 1e8, systemNano: n * 1e8 })),
        );
      },
      cgroupDirs: (containers) => {
        lookups.push(containers);
        return Promise.resolve(new Map());
      },
    },
  });
  const ctl = new AbortController();
  const got: Record<string, number> = { a: 0, b: 0, c: 0 };
  const runs = ["a", "b", "c"].map(async (id) => {
    for await (const _ of source.subscribe(id, 100, ctl.signal)) got[id]!++;
  });
  await new Promise((r) => setTimeout(r, 250));
  failNext = true;
  await new Promise((r) => setTimeout(r, 400));
  ctl.abort();
  await Promise.all(runs);
  assert.equal(source.subscribers, 0);
  for (const id of ids) assert.ok(got[id]! >= 4 && got[id]! <= 8, `${id}: ${got[id]}`);
  // One request per tick for all three, plus one fallback.
  assert.ok(calls.length <= 9, `${calls.length} fetches`);
  assert.ok(calls.some((c) => c.length === 0), "fell back to all containers");
  assert.ok(calls.filter((c) => c.length > 0).every((c) => c.length === 3));
  // Cgroups are looked up for all three in one call, once (none found is an answer too).
  assert.deepEqual(lookups, [["a", "b", "c"]]);
});
