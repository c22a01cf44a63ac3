/**
 * The bench's result rows and their renderings: one text table, Markdown,
 * JSON.
 *
 * @module
 */

/** One row: a figure, ours, the limit or reference design, their ratio, the target. */
export interface Row {
  figure: string;
  ours: number | undefined;
  limit?: number | undefined;
  unit: string;
  /** What `limit` is ("direct libpod", "reference design", …). */
  limitName?: string;
  /** ours / limit, unless set otherwise (e.g. throughput: ours / limit too). */
  ratio?: number | undefined;
  /** The target in words, e.g. "≤ 1.05×" or "≤ 100 ms". */
  target?: string;
  /** Whether the target was met (undefined: no target). */
  met?: boolean;
  note?: string;
}

/** Percentile (nearest rank) of `xs`. */
export function pct(xs: number[], p: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export const p50 = (xs: number[]): number => pct(xs, 50);
export const p95 = (xs: number[]): number => pct(xs, 95);

function fmtNum(x: number | undefined, unit: string): string {
  if (x === undefined || !Number.isFinite(x)) return "—";
  const abs = Math.abs(x);
  const s = abs >= 100 ? x.toFixed(0) : abs >= 10 ? x.toFixed(1) : x.toFixed(2);
  return unit ? `${s} ${unit}` : s;
}

function ratioOf(r: Row): number | undefined {
  if (r.ratio !== undefined) return r.ratio;
  if (r.ours === undefined || r.limit === undefined || !r.limit) return undefined;
  return r.ours / r.limit;
}

function cells(r: Row): string[] {
  const ratio = ratioOf(r);
  return [
    r.figure,
    fmtNum(r.ours, r.unit),
    r.limit === undefined
      ? "—"
      : `${fmtNum(r.limit, r.unit)}${r.limitName ? ` (${r.limitName})` : ""}`,
    ratio === undefined || !Number.isFinite(ratio) ? "—" : `${ratio.toFixed(2)}×`,
    r.target ? `${r.target} ${r.met === undefined ? "" : r.met ? "✓" : "✗ missed"}`.trim() : "",
  ];
}

const HEAD = ["figure", "ours", "limit / reference design", "ratio", "target"];

/** A plain-text table for the terminal. */
export function textTable(rows: Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((c) => [...c[i]!].length)));
  const line = (c: string[]) => c.map((s, i) => s.padEnd(widths[i]!)).join("  ").trimEnd();
  return [
    line(HEAD),
    widths.map((w) => "-".repeat(w)).join("  "),
    ...rows.map((r) => line(cells(r))),
  ]
    .join("\n");
}

/** A Markdown table. */
export function markdownTable(rows: Row[], title: string): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  return [
    `## ${title}`,
    "",
    `| ${HEAD.join(" | ")} |`,
    `|${HEAD.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${cells(r).map(esc).join(" | ")} |`),
    "",
  ].join("\n");
}

/** JSON of the rows plus raw samples. */
export function jsonReport(
  rows: Row[],
  samples: Record<string, number[]>,
  meta: Record<string, unknown>,
): string {
  return JSON.stringify(
    {
      meta,
      rows: rows.map((r) => ({ ...r, ratio: ratioOf(r) })),
      samples,
    },
    null,
    2,
  );
}
