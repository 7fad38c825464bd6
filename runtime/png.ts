/** PNG encoding and decoding for the Node side (pngjs), on the raw buffers core/grid.ts and core/plot2d.ts make. */
import { PNG } from 'pngjs';
import { PixelGrid, toRGBA } from './core/grid.js';

export function encodePng(width: number, height: number, rgba: Uint8ClampedArray | Uint8Array): Uint8Array {
  if (rgba.length !== width * height * 4) throw new Error(`encodePng: ${rgba.length} bytes for ${width}x${height} RGBA`);
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}

export function gridPng(grid: PixelGrid): Uint8Array {
  return encodePng(grid.width, grid.height, toRGBA(grid));
}

/** A PNG as 8-bit gray pixels (the mean of R, G, B; alpha composited over black). */
export function decodeGrayPng(bytes: Uint8Array, file: string): { width: number; height: number; pixels: Uint8Array } {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw new Error(`${file}: not a readable PNG (${(err as Error).message})`);
  }
  const pixels = new Uint8Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) {
    const k = 4 * i;
    pixels[i] = Math.round(((png.data[k] + png.data[k + 1] + png.data[k + 2]) / 3) * (png.data[k + 3] / 255));
  }
  return { width: png.width, height: png.height, pixels };
}
