/**
 * Image grids as raw pixel buffers: 8-bit gray for PNG files (pngjs) and RGBA for a canvas `ImageData`.
 * Platform-free so the CLI and the browser page draw exactly the same grid.
 */

export interface ImageBatch {
  /** [n, height, width, channels] row-major (NHWC), values in `range`. */
  data: Float32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  /** The value range the model produces: [-1, 1] for tanh generators, [0, 1] for sigmoid or unit-scaled data. */
  range: [number, number];
}

export interface PixelGrid {
  width: number;
  height: number;
  /** 1 (gray) or 4 (RGBA) bytes per pixel. */
  channels: 1 | 4;
  data: Uint8ClampedArray;
}

export interface GridOptions {
  /** Columns of the grid; default ceil(sqrt(n)). */
  cols?: number;
  /** Pixels between tiles and around the border. */
  pad?: number;
  /** Gray level of the padding, 0..255. */
  padValue?: number;
}

/** Larger grids fail to allocate, or make PNGs nobody can open. */
const MAX_GRID_BYTES = 2 ** 28;

/** Lays out n images in a grid, mapping `range` linearly onto 0..255 (values outside are clipped). */
export function imageGrid(images: ImageBatch, opts: GridOptions = {}): PixelGrid {
  const { n, height: h, width: w, channels: c } = images;
  if (c !== 1 && c !== 3) throw new Error(`imageGrid: images must have 1 or 3 channels, got ${c}`);
  if (images.data.length !== n * h * w * c) {
    throw new Error(`imageGrid: data has ${images.data.length} values, expected ${n}x${h}x${w}x${c}`);
  }
  const cols = opts.cols ?? Math.max(1, Math.ceil(Math.sqrt(n)));
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`imageGrid: cols must be a positive integer, got ${cols}`);
  const rows = Math.max(1, Math.ceil(n / cols));
  const pad = opts.pad ?? 2;
  const gw = cols * w + (cols + 1) * pad;
  const gh = rows * h + (rows + 1) * pad;
  const outC = c === 1 ? 1 : 4;
  if (gw * gh * outC > MAX_GRID_BYTES) throw new Error(`imageGrid: a grid of ${cols} columns and ${rows} rows would be ${gw}x${gh} pixels, more than ${MAX_GRID_BYTES / 2 ** 20} MiB; use fewer columns or images`);
  const out = new Uint8ClampedArray(gw * gh * outC).fill(opts.padValue ?? 0);
  if (outC === 4) for (let p = 3; p < out.length; p += 4) out[p] = 255;
  const [lo, hi] = images.range;
  const scale = 255 / (hi - lo);
  for (let i = 0; i < n; i++) {
    const ox = pad + (i % cols) * (w + pad);
    const oy = pad + Math.floor(i / cols) * (h + pad);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const src = ((i * h + y) * w + x) * c;
        const dst = ((oy + y) * gw + ox + x) * outC;
        for (let k = 0; k < c; k++) out[dst + k] = Math.round((images.data[src + k] - lo) * scale); // clamped by the array type
      }
    }
  }
  return { width: gw, height: gh, channels: outC, data: out };
}

/** Gray or RGBA grid as RGBA (what canvas ImageData and pngjs's default colour type take). */
export function toRGBA(grid: PixelGrid): Uint8ClampedArray {
  if (grid.channels === 4) return grid.data;
  const out = new Uint8ClampedArray(grid.width * grid.height * 4);
  for (let p = 0, q = 0; p < grid.data.length; p++, q += 4) {
    out[q] = out[q + 1] = out[q + 2] = grid.data[p];
    out[q + 3] = 255;
  }
  return out;
}
