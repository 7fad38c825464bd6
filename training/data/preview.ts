/** A look at the data: one row per class, the first `perClass` images of each, as a PNG (a grid beats a table). */
import { PNG } from 'pngjs';

/** images: [n*rows*cols] bytes; returns PNG bytes of a numClasses x perClass grid with 2-pixel gaps. */
export function classGridPng(images: Uint8Array, labels: Uint8Array, rows: number, cols: number, numClasses: number, perClass = 10, scale = 2): Buffer {
  const gap = 2;
  const cellW = cols * scale + gap;
  const cellH = rows * scale + gap;
  const width = perClass * cellW + gap;
  const height = numClasses * cellH + gap;
  const png = new PNG({ width, height });
  png.data.fill(64); // dark grey gaps
  for (let i = 3; i < png.data.length; i += 4) png.data[i] = 255;
  const used = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c >= numClasses || used[c] >= perClass) continue;
    const x0 = gap + used[c]++ * cellW;
    const y0 = gap + c * cellH;
    for (let r = 0; r < rows * scale; r++) {
      for (let q = 0; q < cols * scale; q++) {
        const v = images[i * rows * cols + Math.floor(r / scale) * cols + Math.floor(q / scale)];
        const o = 4 * ((y0 + r) * width + x0 + q);
        png.data[o] = png.data[o + 1] = png.data[o + 2] = v;
      }
    }
  }
  return PNG.sync.write(png);
}
