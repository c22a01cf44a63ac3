/**
 * Figure 1: StartTask → running against create + start straight through
 * libpod (the same spec), sequential and concurrent, plus the first start of
 * a fresh plugin and the plugin's own per-step breakdown.
 *
 * @module
 */
import type { Harness } from "../../tests/support/harness/mod.ts";
import {
  type Bench,
  directRemove,
  directStart,
  directTask,
  quietTask,
  startPlugin,
  startTask,
} from "./common.ts";
import { p50, p95, type Row } from "./report.ts";

const CMD = ["sleep", ["600"]] as const;

async function pluginStartTimed(h: Harness): Promise<{ ms: number; id: string }> {
  const t = await quietTask(h, "start", CMD[0], [...CMD[1]]);
  const t0 = performance.now();
  await startTask(h, t);
  return { ms: performance.now() - t0, id: t.id };
}

async function pluginDestroy(h: Harness, id: string): Promise<void> {
  await h.client.destroyTask(id, true).catch(() => {});
  const i = h.tasks.findIndex((t) => t.id === id);
  if (i >= 0) {
    const [t] = h.tasks.splice(i, 1);
    await t!.alloc.cleanup();
  }
}

/** Per-step durations from the plugin's "task started" log lines (from line `from` on). */
function stepTimes(h: Harness, from: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const line of h.plugin.stderrLines.slice(from)) {
    if (!line.includes('"task started"')) continue;
    try {
      const rec = JSON.parse(line) as Record<string, unknown>;
      for (const [k, v] of Object.entries(rec)) {
        const m = /^step_(.+)_ms$/.exec(k);
        if (m && typeof v === "number") (out[m[1]!] ??= []).push(v);
      }
    } catch { /* not JSON */ }
  }
  return out;
}

export async function benchStart(b: Bench, h: Harness): Promise<Row[]> {
  const rows: Row[] = [];
  const n = b.quick ? 6 : 30;
  const ours: number[] = [];
  const direct: number[] = [];
  const logFrom = h.plugin.stderrLines.length;
  // Warm both paths once (not counted).
  {
    const w = await pluginStartTimed(h);
    await pluginDestroy(h, w.id);
    const d = await directTask(b, "start", CMD[0], [...CMD[1]]);
    await directRemove(b, await directStart(b, d), d);
  }
  const stepsFrom = h.plugin.stderrLines.length;
  b.log(`start: ${n} sequential pairs`);
  for (let i = 0; i < n; i++) {
    const d = await directTask(b, "start", CMD[0], [...CMD[1]]);
    const runDirect = async () => {
      const t0 = performance.now();
      const id = await directStart(b, d);
      direct.push(performance.now() - t0);
      return id;
    };
    let did: string;
    let pid: string;
    if (i % 2 === 0) {
      pid = (await pluginStartTimed(h).then((r) => (ours.push(r.ms), r))).id;
      did = await runDirect();
    } else {
      did = await runDirect();
      pid = (await pluginStartTimed(h).then((r) => (ours.push(r.ms), r))).id;
    }
    await Promise.all([pluginDestroy(h, pid), directRemove(b, did, d)]);
  }
  void logFrom;
  b.samples.start_ours = ours;
  b.samples.start_direct = direct;
  const r50 = p50(ours) / p50(direct);
  rows.push({
    figure: `StartTask → running, p50 (n=${n})`,
    ours: p50(ours),
    limit: p50(direct),
    limitName: "direct create+start",
    unit: "ms",
    target: "≤ 1.05×",
    met: r50 <= 1.05,
  });
  rows.push({
    figure: `StartTask → running, p95 (n=${n})`,
    ours: p95(ours),
    limit: p95(direct),
    limitName: "direct",
    unit: "ms",
  });
  const steps = stepTimes(h, stepsFrom);
  for (const [name, xs] of Object.entries(steps)) {
    rows.push({
      figure: `  plugin step "${name}", p50`,
      ours: p50(xs),
      unit: "ms",
      note: STEP_NOTES[name],
    });
  }

  // Concurrent batches.
  const c = b.quick ? 10 : 50;
  const rounds = b.quick ? 1 : 2;
  const batchOurs: number[] = [];
  const batchDirect: number[] = [];
  const eachOurs: number[] = [];
  const eachDirect: number[] = [];
  b.log(`start: ${rounds}× ${c} concurrent, ours and direct`);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ["ours", "direct"] : ["direct", "ours"];
    for (const which of order) {
      if (which === "ours") {
        const ts = await Promise.all(
          Array.from(
            { length: c },
            () => quietTask(h, "conc", CMD[0], [...CMD[1]]),
          ),
        );
        const t0 = performance.now();
        await Promise.all(ts.map(async (t) => {
          const s = performance.now();
          await startTask(h, t);
          eachOurs.push(performance.now() - s);
        }));
        batchOurs.push(performance.now() - t0);
        await Promise.all(ts.map((t) => pluginDestroy(h, t.id)));
      } else {
        const ds = await Promise.all(
          Array.from({ length: c }, () => directTask(b, "conc", CMD[0], [...CMD[1]])),
        );
        const t0 = performance.now();
        const ids = await Promise.all(ds.map(async (d) => {
          const s = performance.now();
          const id = await directStart(b, d);
          eachDirect.push(performance.now() - s);
          return id;
        }));
        batchDirect.push(performance.now() - t0);
        await Promise.all(ids.map((id, i) => directRemove(b, id, ds[i]!)));
      }
    }
  }
  b.samples.concurrent_each_ours = eachOurs;
  b.samples.concurrent_each_direct = eachDirect;
  b.samples.concurrent_batch_ours = batchOurs;
  b.samples.concurrent_batch_direct = batchDirect;
  const rb = p50(batchOurs) / p50(batchDirect);
  rows.push({
    figure: `${c} concurrent StartTasks, batch wall time (${rounds} rounds, p50)`,
    ours: p50(batchOurs),
    limit: p50(batchDirect),
    limitName: `${c} concurrent direct`,
    unit: "ms",
    target: "≤ 1.10×",
    met: rb <= 1.10,
  });
  rows.push({
    figure: `${c} concurrent, per-start p50`,
    ours: p50(eachOurs),
    limit: p50(eachDirect),
    limitName: "direct",
    unit: "ms",
  });

  // First start of a fresh plugin: once its fingerprint reported (Nomad places tasks only on a
  // fingerprinted driver), and right after SetConfig.
  const colds: number[] = [];
  const coldsNow: number[] = [];
  const k = b.quick ? 1 : 3;
  b.log(`start: ${k}× 2 first starts of a fresh plugin`);
  for (let i = 0; i < k; i++) {
    // --quick: only the figure with a target.
    for (const afterFingerprint of b.quick ? [true] : [true, false]) {
      const fresh = await startPlugin();
      try {
        if (afterFingerprint) {
          const fp = fresh.client.fingerprint();
          await fp.waitFor(() => true, 10_000);
          fp.cancel();
        }
        const r = await pluginStartTimed(fresh);
        (afterFingerprint ? colds : coldsNow).push(r.ms);
      } finally {
        await fresh.close();
      }
    }
  }
  b.samples.first_start_ours = colds;
  b.samples.first_start_right_after_setconfig = coldsNow;
  const rc = p50(colds) / p50(direct);
  rows.push({
    figure: `first StartTask of a fresh plugin, after its first fingerprint (median of ${k})`,
    ours: p50(colds),
    limit: p50(direct),
    limitName: "direct p50",
    unit: "ms",
    target: "≤ 1.5×",
    met: rc <= 1.5,
  });
  if (coldsNow.length > 0) {
    rows.push({
      figure: `  first StartTask right after SetConfig (median of ${k})`,
      ours: p50(coldsNow),
      limit: p50(direct),
      limitName: "direct p50",
      unit: "ms",
    });
  }
  return rows;
}

const STEP_NOTES: Record<string, string> = {
  image: "host facts + image lookup + leftover check, overlapped",
  spec: "spec build",
  create: "libpod create",
  start: "libpod start",
  verify: "one inspect: verification + state",
  state: "handle, log streaming, driver state",
};
