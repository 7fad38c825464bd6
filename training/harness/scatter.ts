/**
 * 2-D scatter plots (SVG): point sets in distinct colours on shared axes, e.g. a flow's samples beside the test
 * points of two moons; optionally over a density heat map (density-map.ts) of the same region.
 */
import { writeFileAtomic } from './atomic-write';
import { axesSvg, type Frame, legendSvg, PALETTE, padRange, svgDocument, sx, sy } from './svg';

export interface PointSet {
  name: string;
  /** [N, 2] row-major (x0, y0, x1, y1, ...). */
  points: Float32Array;
  color?: string;
}

export interface ScatterOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot region; default the points' extent with a 5% margin. */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Square plot area with equal units on both axes (default true: shapes of 2-D data are not distorted). */
  equalAspect?: boolean;
  /** Plot area side in pixels (default 480). */
  size?: number;
  radius?: number;
  opacity?: number;
  /** A PNG drawn under the points, stretched over exactly xRange x yRange (both then required). */
  background?: { png: Uint8Array; xRange: [number, number]; yRange: [number, number] };
}

function extent(sets: readonly PointSet[], axis: 0 | 1): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const s of sets) {
    for (let i = axis; i < s.points.length; i += 2) {
      const v = s.points[i];
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  const [a, b] = padRange(lo, hi);
  const m = (b - a) * 0.05;
  return [a - m, b + m];
}

export function scatterSvg(sets: readonly PointSet[], opts: ScatterOptions = {}): string {
  for (const s of sets) {
    if (s.points.length % 2 !== 0) throw new Error(`scatter: point set ${s.name} has ${s.points.length} values, not [N, 2]`);
  }
  let x = opts.xRange ?? opts.background?.xRange ?? extent(sets, 0);
  let y = opts.yRange ?? opts.background?.yRange ?? extent(sets, 1);
  if ((opts.equalAspect ?? true) && !opts.background) {
    // Grow the shorter side around its centre so one unit has the same length on both axes.
    const span = Math.max(x[1] - x[0], y[1] - y[0]);
    const cx = (x[0] + x[1]) / 2, cy = (y[0] + y[1]) / 2;
    x = [cx - span / 2, cx + span / 2];
    y = [cy - span / 2, cy + span / 2];
  }
  const size = opts.size ?? 480;
  const legendWidth = Math.min(260, 60 + 7 * Math.max(0, ...sets.map((s) => s.name.length)));
  const f: Frame = { width: 70 + size + legendWidth, height: 36 + size + 48, left: 70, right: legendWidth, top: 36, bottom: 48, x, y };
  const parts = [axesSvg(f, opts.title ?? '', opts.xLabel ?? 'x1', opts.yLabel ?? 'x2')];
  parts.push(`<clipPath id="scatter-area"><rect x="${f.left}" y="${f.top}" width="${size}" height="${size}"/></clipPath>`);
  parts.push('<g clip-path="url(#scatter-area)">');
  if (opts.background) {
    const b = opts.background;
    const bx = sx(f, b.xRange[0]), by = sy(f, b.yRange[1]);
    const bw = sx(f, b.xRange[1]) - bx, bh = sy(f, b.yRange[0]) - by;
    const href = `data:image/png;base64,${Buffer.from(b.png).toString('base64')}`;
    parts.push(`<image x="${bx.toFixed(1)}" y="${by.toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" preserveAspectRatio="none" href="${href}"/>`);
  }
  const r = opts.radius ?? 1.6, alpha = opts.opacity ?? 0.6;
  sets.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const dots: string[] = [];
    for (let k = 0; k < s.points.length; k += 2) {
      const px = s.points[k], py = s.points[k + 1];
      if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
      dots.push(`<circle cx="${sx(f, px).toFixed(1)}" cy="${sy(f, py).toFixed(1)}" r="${r}"/>`);
    }
    parts.push(`<g fill="${color}" fill-opacity="${alpha}">${dots.join('')}</g>`);
  });
  parts.push('</g>');
  parts.push(legendSvg(f, sets.map((s, i) => ({ name: s.name, color: s.color ?? PALETTE[i % PALETTE.length], symbol: 'dot' as const }))));
  return svgDocument(f.width, f.height, parts.join('\n'));
}

export function writeScatter(file: string, sets: readonly PointSet[], opts: ScatterOptions = {}): void {
  writeFileAtomic(file, scatterSvg(sets, opts));
}
