/**
 * Figure 6: log throughput. A container writes N MB (4 KiB lines, then an
 * end marker); we time from its `StartedAt` until the marker is read from
 * the task's stdout fifo, in nomad mode (conmon writes the fifo) and journald
 * mode (the plugin streams the journal into the fifo), against the same
 * container writing to /dev/null (its own speed).
 *
 * @module
 */
import { type Harness, makeAllocDir } from "../../tests/support/harness/mod.ts";
import { containerName } from "../../src/driver/spec/mod.ts";
import {
  type Bench,
  directRemove,
  directStart,
  directTask,
  hclConfig,
  startTask,
  taskName,
} from "./common.ts";
import { podmanTimeMs } from "./libpod.ts";
import type { Row } from "./report.ts";

const MARKER = "BENCH-END";
const LINE = 4096;

/** Reads a fifo, counting bytes, until the marker line (or EOF). */
class CountingReader {
  bytes = 0;
  endMs = NaN;
  readonly done: Promise<void>;
  #file: Deno.FsFile | undefined;
  #tail = "";

  constructor(readonly path: string, readonly watchMarker: boolean) {
    this.done = this.#run();
  }

  async #run(): Promise<void> {
    let f: Deno.FsFile;
    try {
      f = await Deno.open(this.path, { read: true });
    } catch {
      return; // The alloc dir went away before a writer came (nothing to count).
    }
    this.#file = f;
    const buf = new Uint8Array(1 << 20);
    const dec = new TextDecoder();
    try {
      while (true) {
        const n = await f.read(buf);
        if (n === null) break;
        this.bytes += n;
        if (this.watchMarker) {
          this.#tail = (this.#tail + dec.decode(buf.subarray(Math.max(0, n - 32), n))).slice(-64);
          if (this.#tail.includes(`${MARKER}\n`)) {
            this.endMs = Date.now();
            break;
          }
        }
      }
    } catch { /* closed */ }
  }

  /** Keeps draining in the background until the writer closes, then closes. */
  close(): void {
    try {
      this.#file?.close();
    } catch { /* already */ }
  }
}

function writerCommand(mb: number, sink: string): string[] {
  const lines = Math.round((mb * 1024 * 1024) / LINE);
  return [
    "-c",
    `l=$(head -c ${
      LINE - 1
    } /dev/zero | tr '\\0' x); yes "$l" | head -n ${lines} ${sink}; echo ${MARKER}`,
  ];
}

async function pluginRun(
  b: Bench,
  h: Harness,
  mb: number,
  mode: "nomad" | "journald",
  timeoutMs: number,
): Promise<{ ms: number; bytes: number }> {
  const name = taskName(`logs-${mode}`);
  const alloc = await makeAllocDir(name, { logging: false });
  const out = `${alloc.allocDir}/alloc/logs/.${name}.stdout.fifo`;
  const err = `${alloc.allocDir}/alloc/logs/.${name}.stderr.fifo`;
  for (const p of [out, err]) {
    const r = await new Deno.Command("mkfifo", { args: ["-m", "600", p] }).output();
    if (!r.success) throw new Error(`mkfifo ${p} failed`);
  }
  const rOut = new CountingReader(out, true);
  const rErr = new CountingReader(err, false);
  const extra = mode === "journald" ? `logging = { driver = "journald" }` : "";
  const t = await h.task({ name, alloc, config: hclConfig("sh", writerCommand(mb, ""), extra) });
  try {
    await startTask(h, t);
    const started = podmanTimeMs(
      (await b.libpod.settledState(containerName(name, alloc.allocId))).StartedAt,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      rOut.done,
      new Promise((r) => (timer = setTimeout(r, timeoutMs))),
    ]);
    clearTimeout(timer);
    return { ms: rOut.endMs - started, bytes: rOut.bytes };
  } finally {
    await h.client.destroyTask(t.id, true).catch(() => {});
    rOut.close();
    rErr.close();
  }
}

/** The same writer through conmon into journald, no reader: journald's own ingest speed. */
async function journalIngestRun(b: Bench, mb: number): Promise<number> {
  const d = await directTask(b, "logs-jingest", "sh", writerCommand(mb, ""), {
    logging: { driver: "journald", options: {} },
  }, { logging: false });
  const id = await directStart(b, d);
  try {
    await b.libpod.wait(id, "exited");
    const st = await b.libpod.settledState(id);
    return podmanTimeMs(st.FinishedAt) - podmanTimeMs(st.StartedAt);
  } finally {
    await directRemove(b, id, d);
  }
}

async function devNullRun(b: Bench, mb: number): Promise<number> {
  const d = await directTask(b, "logs-null", "sh", writerCommand(mb, "> /dev/null"), {}, {
    logging: false,
  });
  const id = await directStart(b, d);
  try {
    await b.libpod.wait(id, "exited");
    const st = await b.libpod.settledState(id);
    return podmanTimeMs(st.FinishedAt) - podmanTimeMs(st.StartedAt);
  } finally {
    await directRemove(b, id, d);
  }
}

export async function benchLogs(b: Bench, h: Harness): Promise<Row[]> {
  const mb = b.quick ? 10 : 100;
  const timeoutMs = b.quick ? 20_000 : 120_000;
  const rows: Row[] = [];
  b.log(`logs: ${mb} MB in nomad and journald modes, and to /dev/null`);
  const limitMs = await devNullRun(b, mb);
  const limitMbps = mb / (limitMs / 1000);
  for (const mode of ["nomad", "journald"] as const) {
    const r = await pluginRun(b, h, mb, mode, timeoutMs);
    const limit2 = await devNullRun(b, mb); // interleaved
    const lim = mb / (Math.min(limitMs, limit2) / 1000);
    const got = Number.isFinite(r.ms) ? (r.bytes / 1024 / 1024) / (r.ms / 1000) : NaN;
    b.samples[`logs_${mode}_ms`] = [r.ms];
    const target = mode === "journald" ? "≥ 50 MB/s" : "≈ the container's own speed";
    rows.push({
      figure: `log throughput, ${mode} mode (${mb} MB to the fifo)${
        Number.isFinite(r.ms) ? "" : `: only ${(r.bytes / 1024 / 1024).toFixed(1)} MB arrived`
      }`,
      ours: got,
      limit: lim,
      limitName: "container writing to /dev/null",
      unit: "MB/s",
      target,
      met: mode === "journald" ? got >= 50 : got / lim >= 0.9,
    });
  }
  const ingestMs = await journalIngestRun(b, mb).catch(() => NaN);
  rows.push({
    figure: `  journald ingest alone (conmon → journald, ${mb} MB, nobody reading)`,
    ours: mb / (ingestMs / 1000),
    limit: mb / (limitMs / 1000),
    limitName: "container writing to /dev/null",
    unit: "MB/s",
    note: "a ceiling of the journald mode no reader can beat",
  });
  b.samples.logs_devnull_ms = [limitMs];
  b.samples.logs_journald_ingest_ms = [ingestMs];
  void limitMbps;
  return rows;
}
