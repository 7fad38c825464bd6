/**
 * Density heat maps for 2-D models: `gridPoints` gives the points of a regular grid to evaluate a model's
 * log-density on, `densityHeatmapPng` turns the values into a PNG (row 0 at the top = largest y), which the
 * moons figure places over its region (training/harness/moons-figure.ts).
 */
import { encodePng, type RgbaImage } from './image-grid';
import { writeFileAtomic } from './atomic-write';

/** Pixel centres of an nx x ny grid over the region, as [ny * nx, 2] rows, top row (largest y) first. */
export function gridPoints(xRange: [number, number], yRange: [number, number], nx: number, ny: number): Float32Array {
  if (!Number.isInteger(nx) || nx < 1 || !Number.isInteger(ny) || ny < 1) throw new Error(`gridPoints: nx, ny must be positive integers, got ${nx}, ${ny}`);
  const out = new Float32Array(nx * ny * 2);
  for (let r = 0; r < ny; r++) {
    const y = yRange[1] - ((r + 0.5) / ny) * (yRange[1] - yRange[0]);
    for (let c = 0; c < nx; c++) {
      out[(r * nx + c) * 2] = xRange[0] + ((c + 0.5) / nx) * (xRange[1] - xRange[0]);
      out[(r * nx + c) * 2 + 1] = y;
    }
  }
  return out;
}

// Viridis sampled at five stops; linear interpolation between them is close enough for a heat map.
const VIRIDIS: [number, number, number][] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** Colour of t in [0, 1] (clipped). */
export function viridis(t: number): [number, number, number] {
  const u = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i], b = VIRIDIS[i + 1];
  return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * f)) as [number, number, number];
}

export interface HeatmapOptions {
  /** 'log-density' (default): values are log p; drawn as p / max p. 'linear': values drawn as (v - min) / (max - min). */
  values?: 'log-density' | 'linear';
  /** Integer enlargement of each grid cell; default 1. */
  scale?: number;
}

/** values: [ny * nx] in gridPoints order. Non-finite values (log p = -inf) are drawn as the lowest colour. */
export function densityHeatmapRgba(values: Float32Array, nx: number, ny: number, opts: HeatmapOptions = {}): RgbaImage {
  if (values.length !== nx * ny) throw new Error(`densityHeatmap: ${values.length} values for a ${nx}x${ny} grid`);
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`densityHeatmap: scale must be a positive integer, got ${scale}`);
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  const norm =
    (opts.values ?? 'log-density') === 'log-density'
      ? (v: number) => Math.exp(v - hi) // p / max p, computed in log space so large log p cannot overflow
      : (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0);
  const width = nx * scale, height = ny * scale;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[Math.floor(y / scale) * nx + Math.floor(x / scale)];
      const [r, g, b] = viridis(Number.isFinite(v) ? norm(v) : 0);
      const o = (y * width + x) * 4;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}

export function densityHeatmapPng(values: Float32Array, nx: number, ny: number, opts: HeatmapOptions = {}): Buffer {
  return encodePng(densityHeatmapRgba(values, nx, ny, opts));
}

export function writeDensityHeatmap(file: string, values: Float32Array, nx: number, ny: number, opts: HeatmapOptions = {}): void {
  writeFileAtomic(file, densityHeatmapPng(values, nx, ny, opts));
}
