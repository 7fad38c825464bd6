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

/** The grid as a canvas ImageData (in a page or a worker; `toRGBA` gives the bare buffer elsewhere). */
export function toImageData(grid: PixelGrid): ImageData {
  if (typeof ImageData === 'undefined') throw new Error('toImageData: ImageData is a browser type; use toRGBA(grid) outside a page or worker');
  return new ImageData(new Uint8ClampedArray(toRGBA(grid)), grid.width, grid.height);
}

export interface LabelledGrid extends PixelGrid {
  /** Left to right: the class of each column and its name. */
  columns: { label: number; name: string }[];
  /** Row and column of each sample in the grid. */
  cells: { row: number; col: number }[];
}

/**
 * Samples of a conditional model laid out a class per column (ascending labels, each column's samples in their
 * order), with the column classes named, for a caption or an axis.
 */
export function labelledGrid(images: ImageBatch, labels: ArrayLike<number>, classNames: readonly string[], opts: GridOptions = {}): LabelledGrid {
  if (labels.length !== images.n) throw new Error(`labelledGrid: ${labels.length} labels for ${images.n} images`);
  const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
  const col = new Map(classes.map((c, k) => [c, k]));
  const filled = new Array<number>(classes.length).fill(0);
  const cells = Array.from(labels, (l) => ({ row: filled[col.get(l)!]++, col: col.get(l)! }));
  const rows = Math.max(1, ...filled);
  const cols = Math.max(1, classes.length);
  const per = images.height * images.width * images.channels;
  // Lay the samples out in their cells, leaving empty cells at the range's low end (drawn as background).
  const data = new Float32Array(rows * cols * per).fill(images.range[0]);
  cells.forEach((c, i) => data.set(images.data.subarray(i * per, (i + 1) * per), (c.row * cols + c.col) * per));
  const grid = imageGrid({ ...images, n: rows * cols, data }, { ...opts, cols });
  const columns = classes.map((label) => ({ label, name: classNames[label] ?? String(label) }));
  return { ...grid, columns, cells };
}
