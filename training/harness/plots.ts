/**
 * Loss curves: a line chart (SVG) of every metric in metrics.jsonl against the training step, written as loss.svg
 * next to the metrics at the end of a run.
 */
import type { MetricsRecord } from './metrics-log';
import { writeFileAtomic } from './atomic-write';
import { axesSvg, type Frame, legendSvg, PALETTE, padRange, svgDocument, sx, sy } from './svg';

export interface Series {
  name: string;
  /** [x, y] pairs in drawing order. */
  points: [number, number][];
  /** Draw a dot at each point (for sparse series such as per-epoch validation). */
  markers?: boolean;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

function percentile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

/**
 * The y range to draw: all values, unless a few extreme ones (typically the first steps of a run, whose loss is
 * orders of magnitude above the rest, or a spike) would flatten everything else. Then values more than 3 spreads
 * (spread = 5th..95th percentile) beyond the bulk are cut off at 1 spread, and the chart says it is clipped.
 */
function yRange(values: number[]): { range: [number, number]; clipped: boolean } {
  const s = [...values].sort((a, b) => a - b);
  let lo = s[0], hi = s[s.length - 1];
  let clipped = false;
  if (s.length >= 20) {
    const q05 = percentile(s, 0.05), q95 = percentile(s, 0.95);
    const spread = q95 - q05 > 0 ? q95 - q05 : Math.abs(q95) * 0.1 || 1;
    if (hi > q95 + 3 * spread) [hi, clipped] = [q95 + spread, true];
    if (lo < q05 - 3 * spread) [lo, clipped] = [q05 - spread, true];
  }
  const m = (hi - lo) * 0.05;
  return { range: padRange(lo - m, hi + m), clipped };
}

export function lineChartSvg(series: readonly Series[], opts: LineChartOptions = {}): string {
  const width = opts.width ?? 760, height = opts.height ?? 420;
  const drawn = series.filter((s) => s.points.length > 0);
  const xs = drawn.flatMap((s) => s.points.map((p) => p[0]));
  const ys = drawn.flatMap((s) => s.points.map((p) => p[1]));
  const x = padRange(Math.min(...xs), Math.max(...xs));
  const { range: y, clipped } = ys.length ? yRange(ys) : { range: [0, 1] as [number, number], clipped: false };
  const legendWidth = Math.min(260, 60 + 7 * Math.max(0, ...drawn.map((s) => s.name.length)));
  const f: Frame = { width, height, left: 70, right: legendWidth, top: 36, bottom: 48, x, y };
  const title = (opts.title ?? '') + (clipped ? ' (y axis clipped: a few extreme values are off the chart)' : '');
  const parts: string[] = [axesSvg(f, title, opts.xLabel ?? 'step', opts.yLabel ?? 'value')];
  const plotW = width - f.left - f.right, plotH = height - f.top - f.bottom;
  parts.push(`<clipPath id="plot-area"><rect x="${f.left}" y="${f.top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  parts.push('<g clip-path="url(#plot-area)" fill="none" stroke-width="1.6">');
  drawn.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const pts = s.points.map(([px, py]) => `${sx(f, px).toFixed(1)},${sy(f, py).toFixed(1)}`);
    if (pts.length > 1) parts.push(`<polyline stroke="${color}" points="${pts.join(' ')}"/>`);
    if (s.markers || pts.length === 1) {
      for (const p of pts) {
        const [cx, cy] = p.split(',');
        parts.push(`<circle cx="${cx}" cy="${cy}" r="3" fill="${color}" stroke="none"/>`);
      }
    }
  });
  parts.push('</g>');
  parts.push(legendSvg(f, drawn.map((s, i) => ({ name: s.name, color: PALETTE[i % PALETTE.length], symbol: 'line' as const }))));
  return svgDocument(width, height, parts.join('\n'));
}

/**
 * Series of a metrics log: every numeric metric of 'train' records (interval means), per-epoch and 'eval' metrics
 * as marked series; epoch means of losses already drawn from 'train' records are left out as duplicates.
 */
export function metricsSeries(records: readonly MetricsRecord[]): Series[] {
  const reserved = new Set(['type', 'step', 'epoch', 'time']);
  const byName = new Map<string, Series>();
  const add = (name: string, x: number, y: number, markers: boolean) => {
    let s = byName.get(name);
    if (!s) byName.set(name, (s = { name, points: [], markers }));
    s.points.push([x, y]);
  };
  const trainNames = new Set<string>();
  for (const r of records) {
    if (r.type !== 'train') continue;
    for (const [k, v] of Object.entries(r)) {
      if (reserved.has(k) || typeof v !== 'number') continue;
      trainNames.add(k);
      add(k, r.step, v, false);
    }
  }
  for (const r of records) {
    if (r.type !== 'epoch' && r.type !== 'eval') continue;
    for (const [k, v] of Object.entries(r)) {
      if (reserved.has(k) || typeof v !== 'number' || trainNames.has(k)) continue;
      add(k, r.step, v, true);
    }
  }
  return [...byName.values()];
}

export function lossPlotSvg(records: readonly MetricsRecord[], opts: LineChartOptions = {}): string {
  return lineChartSvg(metricsSeries(records), { yLabel: 'loss / metric', xLabel: 'step', ...opts });
}

export function writeLossPlot(file: string, records: readonly MetricsRecord[], opts: LineChartOptions = {}): void {
  writeFileAtomic(file, lossPlotSvg(records, opts));
}
