/**
 * Figures 3 and 4: many running tasks each streaming TaskStats at 1 s
 * (plugin CPU, RSS, connections held to Podman, samples delivered), in
 * windows alternating with the reference design's cost (one one-shot stats
 * request per task per second, issued directly) as Podman service CPU; and
 * the plugin's RSS idle, with the tasks, after destroying them, and after a
 * second cycle of as many tasks started and destroyed (a leak grows there).
 *
 * @module
 */
import { PODMAN_SOCKET, type StreamReader } from "../../tests/support/harness/mod.ts";
import { containerName } from "../../src/driver/spec/mod.ts";
import { type Bench, pool, quietTask, sleep, startPlugin, startTask } from "./common.ts";
import { connectionsTo, CpuMeter, podmanServicePid, rssBytes } from "./proc.ts";
import type { Row } from "./report.ts";

const MB = 1024 * 1024;

export interface Floors {
  /** RSS of `deno run` of an empty program, bytes. */
  bareRss: number;
  /** RSS of a program loading grpc-js + protobufjs and serving the plugin's protos, bytes. */
  grpcRss: number;
}

export async function benchScale(b: Bench, floors: Floors): Promise<Row[]> {
  const m = b.quick ? 20 : 100;
  const windowS = b.quick ? 4 : 60;
  const halves = 2;
  const settleMs = b.quick ? 2000 : 10_000;
  const h = await startPlugin();
  const pid = h.plugin.pid;
  // The shared service may be restarted by others meanwhile: look its pid up per window.
  let podmanPid = podmanServicePid();
  try {
    await sleep(b.quick ? 1500 : 3000);
    const idleRss = rssBytes(pid);
    const startAll = () =>
      pool(Array.from({ length: m }, (_, i) => i), 10, async () => {
        const t = await quietTask(h, "scale", "sleep", ["600"]);
        await startTask(h, t);
        return t;
      });
    const destroyAll = async (list: typeof tasks) => {
      await pool(list, 10, (t) => h.client.destroyTask(t.id, true).catch(() => {}));
      for (const t of list) await t.alloc.cleanup();
      h.tasks.length = 0;
      await sleep(settleMs);
    };
    b.log(`scale: starting ${m} tasks`);
    const tasks = await startAll();
    const ids = tasks.map((t) => containerName(t.config.name as string, t.alloc.allocId));
    await sleep(1000);
    const rssTasks = rssBytes(pid);
    let rssMax = rssTasks;

    // Podman's own CPU with the tasks running and nobody asking for stats.
    const baseS = b.quick ? 2 : 10;
    const base = podmanPid ? new CpuMeter(podmanPid) : undefined;
    await sleep(baseS * 1000);
    const podmanIdle = base?.percent() ?? NaN;

    const oursPlugin: number[] = [];
    const oursPodman: number[] = [];
    const refPodman: number[] = [];
    const refPlugin: number[] = [];
    let conns = 0;
    let samples = 0;
    let sampleSeconds = 0;
    const halfMs = (windowS / halves) * 1000;
    for (let k = 0; k < halves; k++) {
      // Ours: every task's TaskStats stream at 1 s.
      b.log(`scale: window ${k + 1}/${halves}: ${m} TaskStats streams for ${halfMs / 1000} s`);
      const streams: StreamReader[] = tasks.map((t) => h.client.taskStats(t.id, 1000));
      await sleep(1500); // streams set up (not counted)
      const before = streams.reduce((n, s) => n + s.messages.length, 0);
      podmanPid = podmanServicePid();
      const pm = new CpuMeter(pid);
      const dm = podmanPid ? new CpuMeter(podmanPid) : undefined;
      const t0 = performance.now();
      await sleep(halfMs / 2);
      conns = Math.max(conns, await connectionsTo(pid, PODMAN_SOCKET));
      rssMax = Math.max(rssMax, rssBytes(pid));
      await sleep(halfMs / 2);
      const secs = (performance.now() - t0) / 1000;
      oursPlugin.push(pm.percent());
      oursPodman.push(dm?.percent() ?? NaN);
      samples += streams.reduce((n, s) => n + s.messages.length, 0) - before;
      sampleSeconds += secs;
      for (const s of streams) s.cancel();
      await sleep(500);

      // Reference design: one one-shot stats request per task per second, directly.
      b.log(`scale: window ${k + 1}/${halves}: reference design for ${halfMs / 1000} s`);
      podmanPid = podmanServicePid();
      const rp = new CpuMeter(pid);
      const rd = podmanPid ? new CpuMeter(podmanPid) : undefined;
      const end = performance.now() + halfMs;
      while (performance.now() < end) {
        const tick = performance.now();
        await Promise.all(ids.map((id) => b.libpod.statsOnce(id).catch(() => undefined)));
        const left = 1000 - (performance.now() - tick);
        if (left > 0) await sleep(left);
      }
      refPodman.push(rd?.percent() ?? NaN);
      refPlugin.push(rp.percent());
    }
    const avg = (xs: number[]) => {
      const ok = xs.filter(Number.isFinite);
      return ok.length ? ok.reduce((a, x) => a + x, 0) / ok.length : NaN;
    };
    b.samples.scale_plugin_cpu_pct = oursPlugin;
    b.samples.scale_podman_cpu_pct_ours = oursPodman;
    b.samples.scale_podman_cpu_pct_reference = refPodman;

    b.log(`scale: destroying ${m} tasks`);
    await destroyAll(tasks);
    const rssAfter = rssBytes(pid);
    b.log(`scale: a second cycle of ${m} tasks started and destroyed`);
    await destroyAll(await startAll());
    const rssCycle2 = rssBytes(pid);
    b.samples.rss_mb = [idleRss, rssTasks, rssMax, rssAfter, rssCycle2].map((x) => x / MB);

    const podmanOurs = avg(oursPodman);
    const podmanRef = avg(refPodman);
    return [
      {
        figure: `${m} tasks' TaskStats at 1 s: Podman connections held`,
        ours: conns,
        unit: "",
        target: "≤ 3",
        met: conns <= 3,
      },
      {
        figure: `  plugin CPU (% of a core, ${windowS} s)`,
        ours: avg(oursPlugin),
        limit: avg(refPlugin),
        limitName: "plugin idle meanwhile",
        unit: "%",
        target: "≤ 3 %",
        met: avg(oursPlugin) <= 3,
      },
      {
        figure: `  Podman service CPU (idle with the tasks: ${podmanIdle.toFixed(1)} %)`,
        ours: podmanOurs,
        limit: podmanRef,
        limitName: "one stats request per task per second",
        unit: "%",
        target: "≤ 0.5×",
        met: podmanOurs / podmanRef <= 0.5,
      },
      {
        figure: "  samples per task per second",
        ours: samples / m / sampleSeconds,
        limit: 1,
        limitName: "asked for",
        unit: "",
      },
      {
        figure: "plugin RSS idle",
        ours: idleRss / MB,
        limit: floors.grpcRss / MB,
        limitName: `deno + grpc-js floor; bare deno ${(floors.bareRss / MB).toFixed(0)} MB`,
        unit: "MB",
      },
      {
        figure: `plugin RSS with ${m} tasks (max while streaming stats)`,
        ours: rssMax / MB,
        limit: idleRss / MB,
        limitName: "idle",
        unit: "MB",
        target: "≤ 100 MB",
        met: rssMax / MB <= 100,
      },
      {
        figure: `plugin RSS ${settleMs / 1000} s after destroying them`,
        ours: rssAfter / MB,
        limit: idleRss / MB,
        limitName: "idle",
        unit: "MB",
        target: "≤ idle + 3 MB",
        met: (rssAfter - idleRss) / MB <= 3,
      },
      {
        figure: `  after a second cycle of ${m} tasks started and destroyed`,
        ours: rssCycle2 / MB,
        limit: rssAfter / MB,
        limitName: "after the first cycle (no growth: no leak)",
        unit: "MB",
      },
    ];
  } finally {
    await h.close();
  }
}
