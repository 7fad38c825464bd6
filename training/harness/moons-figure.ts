/**
 * The progress figure of a flow on two moons, one PNG: [model samples | test points | model density], three square panels over
 * the same region, so a glance shows whether the flow has found both moons and the gap between them. Beside it, the
 * same panels titled and with labelled axes as an SVG (moonsFigureSpec: Vega-Lite, the runs view's chart library).
 */
import { densityHeatmapRgba, gridPoints } from './density-map';
import { encodePng, type RgbaImage } from './image-grid';
import { writeFileAtomic } from './atomic-write';
import { vegaLiteToSvg } from './vega';

export interface Region {
  x: [number, number];
  y: [number, number];
}

const PANEL = 320;
const GAP = 10;

/** A square region around the points (equal units on both axes), with a margin. */
export function regionAround(points: Float32Array, margin = 0.15): Region {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < points.length; i += 2) {
    x0 = Math.min(x0, points[i]);
    x1 = Math.max(x1, points[i]);
    y0 = Math.min(y0, points[i + 1]);
    y1 = Math.max(y1, points[i + 1]);
  }
  const span = Math.max(x1 - x0, y1 - y0) * (1 + 2 * margin);
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return { x: [cx - span / 2, cx + span / 2], y: [cy - span / 2, cy + span / 2] };
}

/** Points [N, 2] as 3x3-pixel dots on white; points outside the region are left out. */
function dotsPanel(points: Float32Array, r: Region, color: [number, number, number]): RgbaImage {
  const data = new Uint8Array(PANEL * PANEL * 4).fill(255);
  for (let i = 0; i < points.length; i += 2) {
    const px = Math.floor(((points[i] - r.x[0]) / (r.x[1] - r.x[0])) * PANEL);
    const py = Math.floor(((r.y[1] - points[i + 1]) / (r.y[1] - r.y[0])) * PANEL);
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const x = px + dx, y = py + dy;
        if (x < 0 || y < 0 || x >= PANEL || y >= PANEL) continue;
        const o = (y * PANEL + x) * 4;
        data.set(color, o);
      }
    }
  }
  return { width: PANEL, height: PANEL, data };
}

function sideBySide(panels: RgbaImage[]): RgbaImage {
  const width = panels.reduce((s, p) => s + p.width, 0) + GAP * (panels.length + 1);
  const height = Math.max(...panels.map((p) => p.height)) + 2 * GAP;
  const data = new Uint8Array(width * height * 4).fill(255);
  let left = GAP;
  for (const p of panels) {
    for (let y = 0; y < p.height; y++) data.set(p.data.subarray(y * p.width * 4, (y + 1) * p.width * 4), ((y + GAP) * width + left) * 4);
    left += p.width + GAP;
  }
  return { width, height, data };
}

/** The grid the density panel evaluates: PANEL/4 cells a side (each drawn 4x4 pixels), rows top (largest y) first. */
export function densityGrid(r: Region): { points: Float32Array; n: number } {
  const n = PANEL / 4;
  return { points: gridPoints(r.x, r.y, n, n), n };
}

/** samples, test: [N, 2]; logDensity: log p at densityGrid(r).points. */
export function writeMoonsFigure(file: string, samples: Float32Array, test: Float32Array, logDensity: Float32Array, r: Region): void {
  const n = PANEL / 4;
  const img = sideBySide([
    dotsPanel(samples, r, [31, 119, 180]),
    dotsPanel(test, r, [255, 127, 14]),
    densityHeatmapRgba(logDensity, n, n, { scale: 4 }),
  ]);
  writeFileAtomic(file, encodePng(img));
}

/**
 * The same three panels as a titled, labelled figure (Vega-Lite, rendered headless to SVG): "flow samples",
 * "test points" and "flow log-density", each with axes x1, x2 in the data's standardised coordinates over the same
 * region. Each panel's picture is the PNG panel above embedded as an image over exactly that region: a few tens of
 * kB, where 4000 vector dots would make a megabyte-sized SVG per figure.
 */
export function moonsFigureSpec(samples: Float32Array, test: Float32Array, logDensity: Float32Array, r: Region, title: string): Record<string, unknown> {
  const n = PANEL / 4;
  const url = (img: RgbaImage) => `data:image/png;base64,${encodePng(img).toString('base64')}`;
  const inView = (p: Float32Array) => {
    let k = 0;
    for (let i = 0; i < p.length; i += 2) if (p[i] >= r.x[0] && p[i] <= r.x[1] && p[i + 1] >= r.y[0] && p[i + 1] <= r.y[1]) k++;
    return k;
  };
  const side = 260;
  const x = { field: 'x', type: 'quantitative', title: 'x1', scale: { domain: r.x, nice: false } };
  const y = { field: 'y', type: 'quantitative', title: 'x2', scale: { domain: r.y, nice: false } };
  const panel = (img: RgbaImage, text: string, subtitle: string) => ({
    title: { text, subtitle, anchor: 'start' },
    width: side,
    height: side,
    data: { values: [{ x: r.x[0], x2: r.x[1], y: r.y[0], y2: r.y[1], url: url(img) }] },
    mark: { type: 'image', aspect: false },
    encoding: { x, y, x2: { field: 'x2' }, y2: { field: 'y2' }, url: { field: 'url', type: 'nominal' } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, anchor: 'start', fontSize: 15, offset: 10 },
    background: 'white',
    padding: 12,
    config: { font: 'system-ui, sans-serif', view: { stroke: '#d1d5db' }, axis: { grid: false, titleFontWeight: 'normal' }, title: { subtitleColor: '#6b7280' } },
    hconcat: [
      panel(dotsPanel(samples, r, [31, 119, 180]), 'Flow samples', `${inView(samples)} of ${samples.length / 2} in view`),
      panel(dotsPanel(test, r, [255, 127, 14]), 'Test points', `${inView(test)} of ${test.length / 2} in view`),
      panel(densityHeatmapRgba(logDensity, n, n, { scale: 4 }), 'Flow log-density', 'brighter is likelier (viridis)'),
    ],
  };
}

/** The titled figure as SVG (written atomically). */
export async function writeMoonsFigureSvg(file: string, samples: Float32Array, test: Float32Array, logDensity: Float32Array, r: Region, title: string): Promise<void> {
  const svg = await vegaLiteToSvg(moonsFigureSpec(samples, test, logDensity, r, title));
  writeFileAtomic(file, `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`);
}
