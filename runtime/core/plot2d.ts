/**
 * A 2-D density as a heat map with points on top, rendered to an RGBA buffer: the browser page puts it in a canvas
 * and `dgm sample` writes it as a PNG, so both show the same picture.
 */

export interface Bounds {
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
}

/** Padded bounding box of [n, 2] points, ignoring the 0.5% most extreme on each side (one outlier would squash the rest). */
export function boundsOf(points: Float32Array, pad = 0.15): Bounds {
  const n = points.length / 2;
  if (n < 1) throw new Error('boundsOf: no points');
  const xs = Float32Array.from({ length: n }, (_, i) => points[2 * i]).sort();
  const ys = Float32Array.from({ length: n }, (_, i) => points[2 * i + 1]).sort();
  const q = (a: Float32Array, f: number) => a[Math.min(a.length - 1, Math.max(0, Math.round(f * (a.length - 1))))];
  const [x0, x1, y0, y1] = [q(xs, 0.005), q(xs, 0.995), q(ys, 0.005), q(ys, 0.995)];
  const dx = Math.max(x1 - x0, 1e-3) * pad;
  const dy = Math.max(y1 - y0, 1e-3) * pad;
  return { xmin: x0 - dx, xmax: x1 + dx, ymin: y0 - dy, ymax: y1 + dy };
}

/** Centres of a gw x gh grid of cells over `b`, as [gw*gh, 2] rows, row 0 at the top (largest y). */
export function gridPoints(b: Bounds, gw: number, gh: number): Float32Array {
  const out = new Float32Array(gw * gh * 2);
  for (let r = 0; r < gh; r++) {
    for (let c = 0; c < gw; c++) {
      const k = (r * gw + c) * 2;
      out[k] = b.xmin + ((c + 0.5) / gw) * (b.xmax - b.xmin);
      out[k + 1] = b.ymax - ((r + 0.5) / gh) * (b.ymax - b.ymin);
    }
  }
  return out;
}

// A perceptually ordered dark-to-bright ramp (black, purple, orange, pale yellow).
const RAMP: [number, number, number][] = [
  [0, 0, 4],
  [59, 15, 112],
  [140, 41, 129],
  [222, 73, 104],
  [254, 159, 109],
  [252, 253, 191],
];

function ramp(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u));
  const f = u - i;
  const a = RAMP[i];
  const b = RAMP[i + 1];
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

/**
 * RGBA image (width x height) of log-densities on a gw x gh grid (row 0 at the top), nearest-cell upsampled.
 * Colour follows the log-density, clipped to `span` nats below the maximum, so the tails stay visible.
 */
export function heatmap(logp: Float32Array, gw: number, gh: number, width: number, height: number, span = 12): Uint8ClampedArray {
  if (logp.length !== gw * gh) throw new Error(`heatmap: ${logp.length} values for a ${gw}x${gh} grid`);
  let max = -Infinity;
  for (const v of logp) if (Number.isFinite(v) && v > max) max = v;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const r = Math.min(gh - 1, Math.floor((y / height) * gh));
    for (let x = 0; x < width; x++) {
      const c = Math.min(gw - 1, Math.floor((x / width) * gw));
      const v = logp[r * gw + c];
      const [R, G, B] = ramp(Number.isFinite(v) ? 1 - (max - v) / span : 0);
      const k = (y * width + x) * 4;
      out[k] = R;
      out[k + 1] = G;
      out[k + 2] = B;
      out[k + 3] = 255;
    }
  }
  return out;
}

/** Draws [n, 2] points as small squares into an RGBA image whose extent is `b`. Points outside are skipped. */
export function drawPoints(rgba: Uint8ClampedArray, width: number, height: number, points: Float32Array, b: Bounds, color: [number, number, number] = [80, 220, 255], size = 2): void {
  for (let i = 0; i < points.length / 2; i++) {
    const px = Math.round(((points[2 * i] - b.xmin) / (b.xmax - b.xmin)) * (width - 1));
    const py = Math.round(((b.ymax - points[2 * i + 1]) / (b.ymax - b.ymin)) * (height - 1));
    for (let dy = -size + 1; dy < size; dy++) {
      for (let dx = -size + 1; dx < size; dx++) {
        const x = px + dx;
        const y = py + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const k = (y * width + x) * 4;
        rgba[k] = color[0];
        rgba[k + 1] = color[1];
        rgba[k + 2] = color[2];
        rgba[k + 3] = 255;
      }
    }
  }
}
