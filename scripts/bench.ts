/**
 * `deno task bench [--quick] [--json FILE] [--md FILE] [--svg FILE] [--only a,b]`
 *
 * Drives the plugin as a separate process through the test harness against
 * the private Podman service (loopback only) and measures, in the same run
 * and interleaved, the plugin and the physical limit (the libpod API called
 * directly) or the reference design:
 *
 *   start      StartTask → running (sequential, concurrent, first start; per-step breakdown)
 *   exit       container exit → WaitTask, beside the died event, libpod wait, an inspect poll
 *   scale      many tasks' TaskStats at 1 s (CPU, connections, samples) and RSS (idle, with, after)
 *   handshake  exec → handshake line, beside `deno run` of an empty program
 *   logs       log throughput in nomad and journald modes, beside the container's own speed
 *
 * Prints one table (figure, ours, limit, ratio, target), writes JSON, a
 * Markdown table and an SVG of the start-latency distributions (default
 * under .build/bench/, with the shared plugin's log as plugin.log). `--quick` runs every figure smaller (under a minute).
 * Figures are ratios measured side by side: the machine may be shared.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { NEEDS_PODMAN, PODMAN_SOCKET, REPO_ROOT } from "../tests/support/harness/mod.ts";
import { type Bench, startPlugin } from "./bench/common.ts";
import { Libpod } from "./bench/libpod.ts";
import { hostFacts } from "./bench/common.ts";
import { jsonReport, markdownTable, type Row, textTable } from "./bench/report.ts";
import { latencySvg } from "./bench/svg.ts";
import { benchStart } from "./bench/start.ts";
import { benchExit } from "./bench/exit.ts";
import { benchScale, type Floors } from "./bench/scale.ts";
import { benchHandshake } from "./bench/handshake.ts";
import { benchLogs } from "./bench/logs.ts";

const FIGURES = ["handshake", "start", "exit", "scale", "logs"] as const;

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "string" },
    md: { type: "string" },
    svg: { type: "string" },
    only: { type: "string" },
  },
});

function log(msg: string): void {
  const ts = new Date().toISOString().slice(11, 23);
  Deno.stderr.writeSync(new TextEncoder().encode(`[bench ${ts}] ${msg}\n`));
}

async function main(): Promise<number> {
  if (NEEDS_PODMAN) {
    log(`no Podman socket at ${PODMAN_SOCKET}: run  bash scripts/test_env.sh start  first`);
    return 2;
  }
  const only = new Set(args.only ? args.only.split(",") : FIGURES);
  const quick = args.quick === true;
  const outDir = `${REPO_ROOT}/.build/bench`;
  Deno.mkdirSync(outDir, { recursive: true });
  const jsonPath = args.json ?? `${outDir}/bench${quick ? "-quick" : ""}.json`;
  const mdPath = args.md ?? `${outDir}/bench${quick ? "-quick" : ""}.md`;
  const svgPath = args.svg ?? `${outDir}/start-latency${quick ? "-quick" : ""}.svg`;

  const libpod = new Libpod(PODMAN_SOCKET);
  const { host, imageId } = await hostFacts(libpod);
  const b: Bench = { quick, libpod, host, imageId, direct: new Set(), log, samples: {} };
  // A hard bound on the whole run.
  const bound = setTimeout(() => {
    log("bench exceeded its time bound; exiting");
    Deno.exit(3);
  }, quick ? 120_000 : 900_000);
  const t0 = performance.now();
  const rows: Row[] = [];
  let floors: Floors = { bareRss: NaN, grpcRss: NaN };
  try {
    // A figure that fails is reported as a row; the others still run.
    const figure = async (name: string, run: () => Promise<Row[]>) => {
      try {
        rows.push(...await run());
      } catch (err) {
        log(`${name} failed: ${err instanceof Error ? err.stack : err}`);
        rows.push({
          figure: `${name}: FAILED (${String(err).slice(0, 120)})`,
          ours: NaN,
          unit: "",
        });
      }
    };
    if (only.has("handshake") || only.has("scale")) {
      await figure("handshake", async () => {
        const hs = await benchHandshake(b);
        floors = hs.floors;
        return only.has("handshake") ? hs.rows : [];
      });
    }
    if (only.has("start") || only.has("exit") || only.has("logs")) {
      const h = await startPlugin();
      try {
        if (only.has("start")) await figure("start", () => benchStart(b, h));
        if (only.has("exit")) await figure("exit", () => benchExit(b, h));
        if (only.has("logs")) {
          await figure(
            "logs",
            () => benchLogs(b, h, () => startPlugin(`journald_reader = "podman"`)),
          );
        }
      } finally {
        // The shared plugin's own log, for looking into a figure.
        Deno.writeTextFileSync(`${outDir}/plugin.log`, h.plugin.stderrLines.join("\n") + "\n");
        await h.close();
      }
    }
    if (only.has("scale")) await figure("scale", () => benchScale(b, floors));
  } finally {
    for (const id of b.direct) await libpod.remove(id).catch(() => {});
    libpod.close();
    clearTimeout(bound);
  }
  const secs = (performance.now() - t0) / 1000;
  const title = `nomad-driver-podman bench${quick ? " (--quick)" : ""}, ${
    new Date().toISOString().slice(0, 19)
  }Z, ${secs.toFixed(0)} s`;
  const table = textTable(rows);
  Deno.stdout.writeSync(new TextEncoder().encode(`${title}\n\n${table}\n\n`));
  const meta = { title, quick, seconds: secs, podman: host.apiVersion, cpus: host.numCpus };
  Deno.writeTextFileSync(jsonPath, jsonReport(rows, b.samples, meta) + "\n");
  Deno.writeTextFileSync(mdPath, markdownTable(rows, title));
  if (b.samples.start_ours) {
    Deno.writeTextFileSync(
      svgPath,
      latencySvg("StartTask → running vs direct libpod create+start (ms)", [
        { label: "plugin, sequential", samples: b.samples.start_ours, color: "#d62728" },
        { label: "direct, sequential", samples: b.samples.start_direct ?? [], color: "#1f77b4" },
        {
          label: "plugin, concurrent",
          samples: b.samples.concurrent_each_ours ?? [],
          color: "#ff7f0e",
        },
        {
          label: "direct, concurrent",
          samples: b.samples.concurrent_each_direct ?? [],
          color: "#17becf",
        },
      ]),
    );
  }
  log(`wrote ${jsonPath}, ${mdPath}${b.samples.start_ours ? `, ${svgPath}` : ""}`);
  return 0;
}

Deno.exit(await main());
