import assert from "node:assert/strict";
import { jsonReport, markdownTable, p50, p95, pct, textTable } from "../../scripts/bench/report.ts";
import { latencySvg } from "../../scripts/bench/svg.ts";
import { podmanTimeMs } from "../../scripts/bench/libpod.ts";

const rows = [
  {
    figure: "StartTask p50",
    ours: 130,
    limit: 100,
    limitName: "direct",
    unit: "ms",
    target: "≤ 1.05×",
    met: false,
  },
  { figure: "connections", ours: 2, unit: "", target: "≤ 3", met: true },
];

Deno.test("bench percentiles are nearest-rank and skip non-finite samples", () => {
  const xs = [5, 1, 4, 2, 3, NaN];
  assert.equal(p50(xs), 3);
  assert.equal(p95(xs), 5);
  assert.equal(pct([], 50), NaN);
});

Deno.test("bench table: figure, ours, limit, ratio, target with met/missed", () => {
  const t = textTable(rows);
  const lines = t.split("\n");
  assert.match(lines[0]!, /^figure\s+ours\s+limit \/ reference design\s+ratio\s+target$/);
  assert.match(t, /StartTask p50\s+130 ms\s+100 ms \(direct\)\s+1\.30×\s+≤ 1\.05× ✗ missed/);
  assert.match(t, /connections\s+2\.00\s+—\s+—\s+≤ 3 ✓/);
  const md = markdownTable(rows, "bench");
  assert.match(md, /^## bench\n\n\| figure \| ours \|/);
  assert.match(md, /\| StartTask p50 \| 130 ms \| 100 ms \(direct\) \| 1\.30× \|/);
  const json = JSON.parse(jsonReport(rows, { start_ours: [1, 2] }, { quick: true }));
  assert.equal(json.rows[0].ratio, 1.3);
  assert.deepEqual(json.samples.start_ours, [1, 2]);
});

Deno.test("bench SVG draws one strip per series with p50/p95 ticks", () => {
  const svg = latencySvg("t", [
    { label: "ours", samples: [10, 20, 30], color: "#f00" },
    { label: "direct", samples: [5, 6], color: "#00f" },
  ]);
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.equal((svg.match(/<circle /g) ?? []).length, 5);
  assert.match(svg, /ours \(n=3\)/);
  assert.match(svg, /p50 20/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
});

Deno.test("Podman timestamps keep their sub-millisecond digits", () => {
  assert.equal(
    podmanTimeMs("2026-12-01T22:46:45.20265244Z"),
    Date.parse("2026-12-01T22:46:45Z") + 202.65244,
  );
  assert.ok(Number.isNaN(podmanTimeMs("0001-01-01T00:00:00Z")));
});
