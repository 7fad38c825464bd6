/**
 * Sample grids: a batch of images [N, H, W] (or [N, H, W, C] with C = 1 or 3) with values in a known range becomes
 * one PNG (pngjs), tiles row by row, optionally enlarged so 28x28 samples are visible at a glance. Row/column
 * labels are not drawn (no font rendering here): put the class order in the file name or the caption instead.
 */
import { PNG } from 'pngjs';
import { imageGrid, toRGBA } from '../../runtime/core/grid';
import { writeFileAtomic } from './atomic-write';

export interface ImageGridOptions {
  /** Value range of the images, mapped linearly onto 0..255 (outside values are clipped): [-1, 1] for tanh
   *  generators, [0, 1] for unit-scaled pixels. */
  range: [number, number];
  /** Tiles per row; default ceil(sqrt(N)). */
  cols?: number;
  /** Pixels of padding between and around tiles (before scaling); default 2. */
  pad?: number;
  /** Gray level of the padding (0..255); default 255 (white) so black-background images stand apart. */
  padValue?: number;
  /** Integer enlargement of every pixel; default 1. */
  scale?: number;
}

export interface RgbaImage {
  width: number;
  height: number;
  /** [height, width, 4] bytes. */
  data: Uint8Array;
}

/** Lay the images out as an RGBA bitmap (the layout itself is runtime/core/grid.ts's, shared with the browser page). */
export function imageGridRgba(images: Float32Array, shape: readonly number[], opts: ImageGridOptions): RgbaImage {
  const [n, h, w, c = 1] = shape;
  const what = `image grid of shape [${shape}]`;
  if (shape.length !== 3 && shape.length !== 4) throw new Error(`${what}: expected [N, H, W] or [N, H, W, C]`);
  if (![n, h, w].every((d) => Number.isInteger(d) && d > 0)) throw new Error(`${what}: dimensions must be positive integers`);
  const [lo, hi] = opts.range;
  if (!(hi > lo)) throw new Error(`${what}: range must be [lo, hi] with hi > lo, got [${opts.range}]`);
  const scale = opts.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1) throw new Error(`${what}: scale must be a positive integer, got ${scale}`);
  const grid = imageGrid(
    { data: images, n, height: h, width: w, channels: c, range: [lo, hi] },
    { cols: opts.cols, pad: opts.pad ?? 2, padValue: opts.padValue ?? 255 },
  );
  const rgba = toRGBA(grid);
  if (scale === 1) return { width: grid.width, height: grid.height, data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength) };
  const width = grid.width * scale, height = grid.height * scale;
  const data = new Uint8Array(width * height * 4);
  const src32 = new Uint32Array(rgba.buffer, rgba.byteOffset, grid.width * grid.height);
  const dst32 = new Uint32Array(data.buffer);
  for (let y = 0; y < height; y++) {
    const row = Math.floor(y / scale) * grid.width;
    for (let x = 0; x < width; x++) dst32[y * width + x] = src32[row + Math.floor(x / scale)];
  }
  return { width, height, data };
}

export function encodePng(img: RgbaImage): Buffer {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

export function imageGridPng(images: Float32Array, shape: readonly number[], opts: ImageGridOptions): Buffer {
  return encodePng(imageGridRgba(images, shape, opts));
}

/** Write the grid PNG atomically. */
export function writeImageGrid(file: string, images: Float32Array, shape: readonly number[], opts: ImageGridOptions): void {
  writeFileAtomic(file, imageGridPng(images, shape, opts));
}
