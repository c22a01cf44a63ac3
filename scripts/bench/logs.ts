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
  const logs = `${alloc.allocDir}/alloc/logs/.${name}`;
  const { out: rOut, err: rErr } = await countingReaders(
    `${logs}.stdout.fifo`,
    `${logs}.stderr.fifo`,
  );
  const extra = mode === "journald" ? `logging = { driver = "journald" }` : "";
  const t = await h.task({ name, alloc, config: hclConfig("sh", writerCommand(mb, ""), extra) });
  try {
    await startTask(h, t);
    const started = podmanTimeMs(
      (await b.libpod.settledState(containerName(name, alloc.allocId))).StartedAt,
    );
    await raceTimeout(rOut.done, timeoutMs);
    return { ms: rOut.endMs - started, bytes: rOut.bytes };
  } finally {
    await h.client.destroyTask(t.id, true).catch(() => {});
    rOut.close();
    rErr.close();
  }
}

/**
 * The same writer through conmon into journald, no reader: journald's own
 * ingest speed; then `journalctl -o export` reading those entries back with
 * nothing else running: the direct reader's own ceiling.
 */
async function journalIngestRun(
  b: Bench,
  mb: number,
): Promise<{ ingestMs: number; readMs: number }> {
  const d = await directTask(b, "logs-jingest", "sh", writerCommand(mb, ""), {
    logging: { driver: "journald", options: {} },
  }, { logging: false });
  const id = await directStart(b, d);
  try {
    await b.libpod.wait(id, "exited");
    const st = await b.libpod.settledState(id);
    const ingestMs = podmanTimeMs(st.FinishedAt) - podmanTimeMs(st.StartedAt);
    const full = String((await b.libpod.inspect(id)).Id);
    const t0 = performance.now();
    const read = await new Deno.Command("journalctl", {
      args: [
        "--no-pager",
        "-o",
        "export",
        "--output-fields=MESSAGE,PRIORITY",
        `CONTAINER_ID_FULL=${full}`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    const readMs = read.success ? performance.now() - t0 : NaN;
    return { ingestMs, readMs };
  } finally {
    await directRemove(b, id, d);
  }
}

/** The same writer with conmon writing the fifo, created directly (no plugin): nomad mode's limit. */
async function directFifoRun(b: Bench, mb: number, timeoutMs: number): Promise<number> {
  const d = await directTask(b, "logs-fifo", "sh", writerCommand(mb, ""), {}, { logging: "fifos" });
  const logs = `${d.alloc.allocDir}/alloc/logs/.${d.name}`;
  const readers = await countingReaders(`${logs}.stdout.fifo`, `${logs}.stderr.fifo`);
  const id = await directStart(b, d);
  try {
    const started = podmanTimeMs((await b.libpod.settledState(id)).StartedAt);
    await raceTimeout(readers.out.done, timeoutMs);
    return readers.out.endMs - started;
  } finally {
    readers.out.close();
    readers.err.close();
    await directRemove(b, id, d);
  }
}

async function countingReaders(
  out: string,
  err: string,
): Promise<{ out: CountingReader; err: CountingReader }> {
  for (const p of [out, err]) {
    const r = await new Deno.Command("mkfifo", { args: ["-m", "600", p] }).output();
    if (!r.success) throw new Error(`mkfifo ${p} failed`);
  }
  return { out: new CountingReader(out, true), err: new CountingReader(err, false) };
}

async function raceTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
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

export async function benchLogs(
  b: Bench,
  h: Harness,
  viaPodman: () => Promise<Harness>,
): Promise<Row[]> {
  const mb = b.quick ? 10 : 100;
  const timeoutMs = b.quick ? 20_000 : 120_000;
  const rows: Row[] = [];
  b.log(`logs: ${mb} MB in nomad and journald modes, and to /dev/null`);
  const limitMs = await devNullRun(b, mb);
  const limitMbps = mb / (limitMs / 1000);
  const runs = [
    { mode: "nomad", label: "nomad mode" },
    { mode: "journald", label: "journald mode" },
    { mode: "journald", label: "journald mode, journald_reader = podman", podman: true },
  ] as const;
  for (const run of runs) {
    const { mode } = run;
    const via = "podman" in run ? await viaPodman() : h;
    let r: { ms: number; bytes: number };
    try {
      r = await pluginRun(b, via, mb, mode, timeoutMs);
    } finally {
      if (via !== h) await via.close();
    }
    const limit2 = await devNullRun(b, mb); // interleaved
    const devNull = mb / (Math.min(limitMs, limit2) / 1000);
    const got = Number.isFinite(r.ms) ? (r.bytes / 1024 / 1024) / (r.ms / 1000) : NaN;
    b.samples[`logs_${run.label.replace(/\W+/g, "_")}_ms`] = [r.ms];
    const arrived = Number.isFinite(r.ms)
      ? ""
      : `: only ${(r.bytes / 1024 / 1024).toFixed(1)} MB arrived`;
    const figure = `log throughput, ${run.label} (${mb} MB to the fifo)${arrived}`;
    if (mode === "nomad") {
      // The plugin is not in this data path: conmon writes the fifo. Its limit is
      // the same container created directly with conmon writing a fifo.
      const directMs = await directFifoRun(b, mb, timeoutMs).catch(() => NaN);
      const direct = mb / (directMs / 1000);
      b.samples.logs_nomad_direct_fifo_ms = [directMs];
      rows.push({
        figure,
        ours: got,
        limit: direct,
        limitName: "created directly, conmon writing the fifo",
        unit: "MB/s",
        target: "≈ the container's own speed through conmon",
        met: got / direct >= 0.9,
      });
      rows.push({
        figure: "  the same container writing to /dev/null (no conmon in the path)",
        ours: devNull,
        unit: "MB/s",
      });
      continue;
    }
    const podman = "podman" in run;
    rows.push({
      figure: `${podman ? "  " : ""}${figure}`,
      ours: got,
      limit: devNull,
      limitName: "container writing to /dev/null",
      unit: "MB/s",
      ...(podman ? {} : { target: "≥ 50 MB/s", met: got >= 50 }),
    });
  }
  const { ingestMs, readMs } = await journalIngestRun(b, mb).catch(() => ({
    ingestMs: NaN,
    readMs: NaN,
  }));
  rows.push({
    figure: `  journald ingest alone (conmon → journald, ${mb} MB, nobody reading)`,
    ours: mb / (ingestMs / 1000),
    limit: mb / (limitMs / 1000),
    limitName: "container writing to /dev/null",
    unit: "MB/s",
    note: "a ceiling of the journald mode no reader can beat",
  });
  rows.push({
    figure: `  journalctl -o export reading those ${mb} MB back, nothing else running`,
    ours: mb / (readMs / 1000),
    limit: mb / (ingestMs / 1000),
    limitName: "journald ingest alone",
    unit: "MB/s",
    note: "the direct reader's own ceiling (one journalctl process, one core)",
  });
  b.samples.logs_devnull_ms = [limitMs];
  b.samples.logs_journald_ingest_ms = [ingestMs];
  b.samples.logs_journalctl_read_ms = [readMs];
  void limitMbps;
  return rows;
}
