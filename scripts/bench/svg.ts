/**
 * An SVG of latency distributions: one strip per series (every sample a dot,
 * p50 and p95 as ticks), ours beside the direct API, on a shared ms axis.
 *
 * @module
 */
import { p50, p95 } from "./report.ts";

/** One distribution. */
export interface Series {
  label: string;
  samples: number[];
  color: string;
}

const W = 760;
const LEFT = 190;
const RIGHT = 30;
const ROW = 46;
const TOP = 40;

function esc(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Renders the strips; `title` on top. */
export function latencySvg(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.samples).filter(Number.isFinite);
  const max = Math.max(1, ...all) * 1.05;
  const min = 0;
  const x = (v: number) => LEFT + ((v - min) / (max - min)) * (W - LEFT - RIGHT);
  const h = TOP + series.length * ROW + 40;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
  // Axis with ~6 ticks.
  const step = niceStep(max / 6);
  const axisY = TOP + series.length * ROW + 5;
  out.push(`<line x1="${LEFT}" y1="${axisY}" x2="${W - RIGHT}" y2="${axisY}" stroke="#444"/>`);
  for (let v = 0; v <= max; v += step) {
    out.push(
      `<line x1="${x(v)}" y1="${TOP - 5}" x2="${x(v)}" y2="${axisY}" stroke="#eee"/>`,
      `<text x="${x(v)}" y="${axisY + 16}" text-anchor="middle">${v} ms</text>`,
    );
  }
  series.forEach((s, i) => {
    const cy = TOP + i * ROW + ROW / 2;
    const med = p50(s.samples);
    const hi = p95(s.samples);
    out.push(
      `<text x="${LEFT - 8}" y="${cy + 4}" text-anchor="end">${
        esc(s.label)
      } (n=${s.samples.length})</text>`,
    );
    s.samples.forEach((v, j) => {
      if (!Number.isFinite(v)) return;
      const jitter = ((j * 7919) % 21) - 10;
      out.push(
        `<circle cx="${x(v).toFixed(1)}" cy="${
          (cy + jitter * 0.9).toFixed(1)
        }" r="3" fill="${s.color}" fill-opacity="0.55"/>`,
      );
    });
    for (const [v, name] of [[med, "p50"], [hi, "p95"]] as const) {
      if (!Number.isFinite(v)) continue;
      out.push(
        `<line x1="${x(v)}" y1="${cy - 16}" x2="${x(v)}" y2="${
          cy + 16
        }" stroke="${s.color}" stroke-width="2"/>`,
        `<text x="${x(v) + 3}" y="${cy - 17}" fill="${s.color}" font-size="10">${name} ${
          v.toFixed(0)
        }</text>`,
      );
    }
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
