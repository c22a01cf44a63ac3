/**
 * Figure 2: container exit (`State.FinishedAt`) → WaitTask result, beside
 * what a direct client can see: the `died` event, libpod's `wait`, and an
 * inspect poll every 10 ms.
 *
 * @module
 */
import type { Harness } from "../../tests/support/harness/mod.ts";
import { containerName } from "../../src/driver/spec/mod.ts";
import {
  type Bench,
  directRemove,
  directStart,
  directTask,
  quietTask,
  sleep,
  startTask,
} from "./common.ts";
import { podmanTimeMs } from "./libpod.ts";
import { p50, p95, type Row } from "./report.ts";

const RUN_S = "1";

export async function benchExit(b: Bench, h: Harness): Promise<Row[]> {
  const n = b.quick ? 3 : 20;
  const runS = b.quick ? "0.5" : RUN_S;
  const ours: number[] = [];
  const died: number[] = [];
  const waited: number[] = [];
  const polled: number[] = [];
  // One events stream for the whole figure (a client would hold one too).
  const diedAt = new Map<string, number>();
  const stop = new AbortController();
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  const events = b.libpod.events(
    { type: ["container"], event: ["died"] },
    (e, at) => {
      const actor = e.Actor as { ID?: string } | undefined;
      const id = actor?.ID ?? (e.ID as string | undefined);
      if (id) diedAt.set(id, at);
    },
    stop.signal,
    opened,
  ).catch((err) => b.log(`events stream failed: ${err}`));
  await open;
  b.log(`exit: ${n} plugin tasks and ${n} direct containers exiting after ${runS} s`);
  for (let i = 0; i < n; i++) {
    // Ours.
    const t = await quietTask(h, "exit", "sh", ["-c", `sleep ${runS}; exit 3`]);
    await startTask(h, t);
    const result = await h.client.waitTask(t.id, 30_000);
    const gotMs = Date.now();
    if (Number(result.result && (result.result as { exit_code?: number }).exit_code) !== 3) {
      b.log(`exit: unexpected WaitTask result ${JSON.stringify(result)}`);
    }
    const name = containerName(t.config.name as string, t.alloc.allocId);
    const st = await b.libpod.settledState(name);
    ours.push(gotMs - podmanTimeMs(st.FinishedAt));
    await h.client.destroyTask(t.id, true).catch(() => {});

    // Direct: died event, wait, and a 10 ms inspect poll on the same container.
    const d = await directTask(b, "exitd", "sh", ["-c", `sleep ${runS}; exit 3`]);
    const id = await directStart(b, d);
    const waitDone = b.libpod.wait(id, "exited").then(() => Date.now());
    let pollMs = NaN;
    while (true) {
      // Podman 4.3 answers 500 "no such process" to an inspect racing the exit: poll on.
      const s = await b.libpod.state(id).catch((err) => {
        if (String(err).includes("no such process")) return {} as Record<string, unknown>;
        throw err;
      });
      if (s.Status === "exited" || s.Status === "stopped") {
        pollMs = Date.now();
        break;
      }
      await sleep(10);
    }
    const waitMs = await waitDone;
    for (let k = 0; k < 100 && !diedAt.has(id); k++) await sleep(20);
    const fin = podmanTimeMs((await b.libpod.settledState(id)).FinishedAt);
    polled.push(pollMs - fin);
    waited.push(waitMs - fin);
    died.push((diedAt.get(id) ?? NaN) - fin);
    await directRemove(b, id, d);
  }
  stop.abort();
  await events;
  b.samples.exit_ours = ours;
  b.samples.exit_died_event = died;
  b.samples.exit_libpod_wait = waited;
  b.samples.exit_inspect_poll_10ms = polled;
  return [
    {
      figure: `exit (FinishedAt) → WaitTask result, p50 (n=${n})`,
      ours: p50(ours),
      limit: p50(polled),
      limitName: "inspect polled every 10 ms",
      unit: "ms",
      target: "≤ 100 ms",
      met: p50(ours) <= 100,
    },
    { figure: "  exit → WaitTask, p95", ours: p95(ours), limit: p95(polled), unit: "ms" },
    {
      figure: "  exit → WaitTask vs the died event, p50",
      ours: p50(ours),
      limit: p50(died),
      limitName: "died event",
      unit: "ms",
    },
    {
      figure: "  exit → WaitTask vs libpod wait, p50",
      ours: p50(ours),
      limit: p50(waited),
      limitName: "libpod wait",
      unit: "ms",
    },
  ];
}
