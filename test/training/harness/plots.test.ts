/**
 * Charts and images: SVGs (the loss plot is Vega's) are checked with an independent XML parser (Python's xml.dom.minidom) and by content;
 * PNGs are decoded again with pngjs and compared pixel by pixel with hand-computed values.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PNG } from 'pngjs';
import { densityHeatmapPng, gridPoints, viridis } from '../../../training/harness/density-map';
import { imageGridPng, writeImageGrid } from '../../../training/harness/image-grid';
import { makeRecord, type MetricsRecord } from '../../../training/harness/metrics-log';
import { lossPlotSvg, writeLossPlot } from '../../../training/harness/plots';
import { loadVega } from '../../../training/harness/vega';
import { chartRows, metricKind, panelsOf, runFigureSpec, smoothRows } from '../../../runtime/app/run-charts';
import { densityGrid, regionAround, writeMoonsFigureSvg } from '../../../training/harness/moons-figure';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-plots-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Parses the SVG with Python's XML parser; returns the root element name, or throws with the parser's error. */
function parseXml(svg: string): string {
  const file = path.join(dir, `x-${Math.floor(performance.now() * 1000)}.svg`);
  fs.writeFileSync(file, svg);
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, xml.dom.minidom as m; print(m.parse(sys.argv[1]).documentElement.tagName)', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`XML parse failed: ${r.stderr}`);
  return r.stdout.trim();
}

function count(s: string, re: RegExp): number {
  return (s.match(re) ?? []).length;
}

function metrics(): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  for (let step = 10; step <= 100; step += 10) {
    out.push(makeRecord('train', step, step / 50, { d_loss: 1 / step, g_loss: 2 + Math.sin(step) }));
    if (step % 50 === 0) out.push(makeRecord('epoch', step, step / 50, { d_loss: 0.5, g_loss: 2, 'val<fid>': 30 - step / 10 }));
  }
  return out;
}

describe('loss plot (Vega-Lite specs of runtime/app/run-charts.ts, rendered headless)', () => {
  test('one panel per kind of quantity, each y axis titled with its metric names; well-formed XML', async () => {
    const recs = [...metrics(), makeRecord('epoch', 100, 2, { epoch_seconds: 321.5, val_ll: -1.2 })];
    const svg = await lossPlotSvg(recs, { title: 'gan & co' });
    expect(parseXml(svg)).toBe('svg');
    for (const t of ['gan &amp; co', 'Losses', 'Log-likelihoods (nats)', 'Timing (seconds)', 'Other metrics']) expect(svg).toContain(`>${t}</text>`);
    // axis titles carry the metric names; the seconds are on their own axis, not with the losses
    expect(svg).toContain('>d_loss, g_loss</text>');
    expect(svg).toContain('>epoch_seconds</text>');
    expect(svg).toContain('>val&lt;fid&gt;</text>');
    expect(svg).not.toMatch(/>[^<]*loss[^<]*epoch_seconds[^<]*</);
    expect(count(svg, />step<\/text>/g)).toBe(4);
  });

  test('nothing is clipped: each panel\'s y domain holds every value, a huge first loss included', async () => {
    const recs = Array.from({ length: 60 }, (_, i) => makeRecord('train', (i + 1) * 10, i / 10, { nll: i === 0 ? 1e6 : 1 + (i % 7) * 0.01 }));
    recs.push(makeRecord('epoch', 600, 6, { val_ll: -5000 }), makeRecord('epoch', 300, 3, { val_ll: -2 }));
    const { vega, vegaLite } = loadVega();
    const view = new vega.View(vega.parse(vegaLite.compile(runFigureSpec(recs)).spec), { renderer: 'none' }) as unknown as {
      runAsync(): Promise<void>;
      scale(name: string): { domain(): number[] };
      finalize(): void;
    };
    await view.runAsync();
    const [lo0, hi0] = view.scale('concat_0_y').domain();
    expect(lo0).toBeLessThanOrEqual(1);
    expect(hi0).toBeGreaterThanOrEqual(1e6);
    const [lo1, hi1] = view.scale('concat_1_y').domain();
    expect(lo1).toBeLessThanOrEqual(-5000);
    expect(hi1).toBeGreaterThanOrEqual(-2);
    view.finalize();
  });

  test('writeLossPlot writes the file atomically', async () => {
    const file = path.join(dir, 'loss.svg');
    await writeLossPlot(file, metrics());
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<\?xml/);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('run charts: rows, panels, smoothing', () => {
  test('metric names land on the panel of their kind', () => {
    const kinds = Object.fromEntries(
      ['d_loss', 'g_loss', 'nll', 'gp', 'w_dist', 'train_ll', 'val_ll', 'val_ll_logit', 'val_bpd', 'test_median_bpd', 'd_real', 'd_fake', 'val_acc', 'lr', 'learning_rate', 'epoch_seconds', 'eval_seconds', 'test_lowest_index'].map((n) => [n, metricKind(n)]),
    );
    expect(kinds).toEqual({
      d_loss: 'loss', g_loss: 'loss', nll: 'loss', gp: 'loss', w_dist: 'loss',
      train_ll: 'loglik', val_ll: 'loglik', val_ll_logit: 'loglik',
      val_bpd: 'bpd', test_median_bpd: 'bpd',
      d_real: 'fraction', d_fake: 'fraction', val_acc: 'fraction',
      lr: 'lr', learning_rate: 'lr',
      epoch_seconds: 'timing', eval_seconds: 'timing',
      test_lowest_index: 'other',
    });
  });

  test('train records are dense series; epoch means of the same losses are left out; strings (NaN) are skipped', () => {
    const recs = metrics();
    recs.push(makeRecord('diverged', 101, 2, { d_loss: NaN }));
    const rows = chartRows(recs, 'r1');
    expect(rows.filter((r) => r.metric === 'd_loss').map((r) => r.step)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(rows.filter((r) => r.sparse).map((r) => [r.metric, r.step])).toEqual([['val<fid>', 50], ['val<fid>', 100]]);
    expect(chartRows(recs, 'r1', { prefixRun: true })[0].series).toBe('r1 d_loss');
    expect(panelsOf(rows).map((p) => [p.info.kind, p.metrics])).toEqual([['loss', ['d_loss', 'g_loss']], ['other', ['val<fid>']]]);
  });

  test('smoothing is the debiased exponential moving average, per series, sparse rows untouched', () => {
    const rows = chartRows([makeRecord('train', 1, 0, { a: 1, b: 5 }), makeRecord('train', 2, 0, { a: 3, b: 5 }), makeRecord('eval', 2, 0, { v: 7 })], 'r');
    const s = smoothRows(rows, 0.5);
    const a = s.filter((r) => r.metric === 'a').map((r) => r.smooth);
    // acc1 = 0.5, debiased 0.5 / (1 - 0.5) = 1; acc2 = 0.25 + 1.5 = 1.75, debiased 1.75 / 0.75
    expect(a[0]).toBeCloseTo(1, 12);
    expect(a[1]).toBeCloseTo(1.75 / 0.75, 12);
    expect(s.filter((r) => r.metric === 'b').map((r) => r.smooth)).toEqual([5, 5]); // a constant stays put
    expect(s.find((r) => r.metric === 'v')!.smooth).toBe(7);
    expect(smoothRows(rows, 0).map((r) => r.smooth)).toEqual(rows.map((r) => r.value));
    expect(() => smoothRows(rows, 1)).toThrow('smoothing weight must be in [0, 1), got 1');
  });
});

describe('image grid PNG', () => {
  test('tiles, value range, clipping, padding and enlargement, checked on the decoded PNG', () => {
    // Two 2x2 images in [0, 1]; out-of-range values clip.
    const images = Float32Array.from([0, 0.5, 1, 2, -1, 0.25, 0.75, 1]);
    const png = PNG.sync.read(imageGridPng(images, [2, 2, 2], { range: [0, 1], cols: 2, pad: 1, padValue: 7 }));
    expect([png.width, png.height]).toEqual([2 * 2 + 3, 2 + 2]);
    const gray = (x: number, y: number) => {
      const o = (y * png.width + x) * 4;
      expect(png.data[o]).toBe(png.data[o + 1]);
      expect(png.data[o + 3]).toBe(255);
      return png.data[o];
    };
    expect([gray(1, 1), gray(2, 1), gray(1, 2), gray(2, 2)]).toEqual([0, 128, 255, 255]);
    expect([gray(4, 1), gray(5, 1), gray(4, 2), gray(5, 2)]).toEqual([0, 64, 191, 255]);
    expect([gray(0, 0), gray(3, 1), gray(6, 3)]).toEqual([7, 7, 7]);
    const big = PNG.sync.read(imageGridPng(images, [2, 2, 2], { range: [0, 1], cols: 2, pad: 1, scale: 3 }));
    expect([big.width, big.height]).toEqual([21, 12]);
    const at = (x: number, y: number) => big.data[(y * big.width + x) * 4];
    expect([at(3, 3), at(5, 5), at(6, 3), at(8, 5)]).toEqual([0, 0, 128, 128]);
  });

  test('[-1, 1] images and a file written atomically', () => {
    const file = path.join(dir, 'grid.png');
    writeImageGrid(file, Float32Array.from([-1, 0, 1, 0.5]), [1, 2, 2], { range: [-1, 1], pad: 0 });
    const png = PNG.sync.read(fs.readFileSync(file));
    expect(Array.from({ length: 4 }, (_, i) => png.data[i * 4])).toEqual([0, 128, 255, 191]);
  });

  test('bad shapes and ranges are named', () => {
    expect(() => imageGridPng(new Float32Array(7), [2, 2, 2], { range: [0, 1] })).toThrow('data has 7 values, expected 2x2x2x1');
    expect(() => imageGridPng(new Float32Array(8), [2, 2, 2], { range: [1, 1] })).toThrow('range must be [lo, hi] with hi > lo');
    expect(() => imageGridPng(new Float32Array(8), [8], { range: [0, 1] })).toThrow('expected [N, H, W] or [N, H, W, C]');
  });
});

describe('moons figure', () => {
  test('three titled panels over one region, axes labelled x1 and x2, each picture placed over exactly the region', async () => {
    const test = Float32Array.from([0, 0, 1, 1, -1, 0.5, 0.5, -0.5]);
    const r = regionAround(test);
    const samples = Float32Array.from([0, 0, 0.2, 0.1, 50, 50]); // the last one is far out of view
    const grid = densityGrid(r);
    const logp = Float32Array.from({ length: grid.points.length / 2 }, (_, i) => -((grid.points[2 * i] ** 2 + grid.points[2 * i + 1] ** 2)));
    const file = path.join(dir, 'moons.svg');
    await writeMoonsFigureSvg(file, samples, test, logp, r, 'maf-moons epoch 3');
    const svg = fs.readFileSync(file, 'utf8');
    expect(parseXml(svg)).toBe('svg');
    for (const t of ['maf-moons epoch 3', 'Flow samples', '2 of 3 in view', 'Test points', '4 of 4 in view', 'Flow log-density']) expect(svg).toContain(`>${t}</text>`);
    expect(count(svg, />x1<\/text>/g)).toBe(3);
    expect(count(svg, />x2<\/text>/g)).toBe(3);
    const images = [...svg.matchAll(/<image [^>]*>/g)].map((m) => m[0]);
    expect(images).toHaveLength(3);
    for (const img of images) {
      expect(img).toContain('href="data:image/png;base64,');
      // every panel is the same size: the three pictures cover the same region at the same scale
      expect(/width="([\d.]+)"/.exec(img)![1]).toBe('260');
      expect(/height="([\d.]+)"/.exec(img)![1]).toBe('260');
    }
    expect(fs.statSync(file).size).toBeLessThan(200000);
  });
});

describe('2-D density maps', () => {
  test('gridPoints lists pixel centres row by row from the top', () => {
    expect(Array.from(gridPoints([0, 2], [0, 2], 2, 2))).toEqual([0.5, 1.5, 1.5, 1.5, 0.5, 0.5, 1.5, 0.5]);
  });

  test('density heat map: max density gets the top colour, -inf the bottom one, half density the middle', () => {
    const png = PNG.sync.read(densityHeatmapPng(Float32Array.from([10, -Infinity, 10 + Math.log(0.5), 10 + Math.log(0.25)]), 2, 2, { scale: 2 }));
    expect([png.width, png.height]).toEqual([4, 4]);
    const rgb = (x: number, y: number) => Array.from(png.data.subarray((y * 4 + x) * 4, (y * 4 + x) * 4 + 3));
    expect(rgb(0, 0)).toEqual([253, 231, 37]);
    expect(rgb(3, 1)).toEqual([68, 1, 84]);
    expect(rgb(1, 2)).toEqual([33, 145, 140]);
    expect(rgb(2, 3)).toEqual(viridis(0.25));
    expect(viridis(0.25)).toEqual([59, 82, 139]);
  });
});
