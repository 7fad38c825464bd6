/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The models the runtime package ships, as an app loads them: by name, the index's sizes and hashes matching the
 * files, names resolved before paths only when no such path exists; and the web entry's URL rule for names
 * (`baseUrl`), its adapter classification, and the labelled grid apps draw.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Flow, GanSampler, listShippedModels, resolveSource } from '../../runtime/node';
import { shippedModelsDir } from '../../runtime/node-location';
import { labelledGrid } from '../../runtime/core/grid';
import { modelUrl } from '../../runtime/web';
import { adapterKind } from '../../runtime/web-providers';

describe('shipped models', () => {
  test('index.json lists every folder, with the sizes and sha256 of its files', () => {
    const models = listShippedModels();
    expect(models.map((m) => m.name)).toEqual(['cgan', 'gan', 'maf-moons', 'wgan-gp']);
    const dirs = fs.readdirSync(shippedModelsDir(), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(dirs.sort()).toEqual(models.map((m) => m.name));
    let total = 0;
    for (const m of models) {
      for (const f of m.files) {
        const bytes = fs.readFileSync(path.join(shippedModelsDir(), m.name, f.file));
        expect([f.bytes, f.sha256]).toEqual([bytes.length, createHash('sha256').update(bytes).digest('hex')]);
        total += bytes.length;
      }
    }
    expect(total).toBeLessThan(25e6);
  });

  test('load by name: the cgan samples images of its card, the moons flow scores points', async () => {
    const gan = await GanSampler.load('cgan', { provider: 'cpu' });
    const s = await gan.sample({ n: 10, seed: 1, labels: 3 });
    expect([s.images.n, s.images.height, s.images.width, s.images.channels]).toEqual([10, 28, 28, 1]);
    expect(Array.from(s.labels!)).toEqual(new Array(10).fill(3));
    await gan.release();
    const flow = await Flow.load('maf-moons', { provider: 'cpu' });
    const r = await flow.logProbData([[0, 0.5], [1, 0]]);
    expect(r.nonFinite).toEqual([]);
    for (const v of r.logProb) expect(Number.isFinite(v)).toBe(true);
    await flow.release();
  });

  test('an existing path wins over a shipped name; unknown names list the shipped ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-shipped-'));
    const cwd = process.cwd();
    try {
      fs.mkdirSync(path.join(dir, 'cgan'));
      process.chdir(dir);
      expect(resolveSource('cgan')).toBe('cgan');
      expect(resolveSource('gan')).toBe(path.join(shippedModelsDir(), 'gan'));
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => resolveSource('nope')).toThrow(/^model "nope" is not a shipped model \(shipped: cgan, gan, maf-moons, wgan-gp\) nor a file or folder here$/);
    expect(() => resolveSource('')).toThrow(/^model source is an empty string; expected a shipped model name, a folder or an \.onnx file$/);
    expect(() => resolveSource('no/such/model.onnx')).toThrow(/^model file no\/such\/model\.onnx does not exist/);
  });
});

describe('web entry: names, adapters, grids', () => {
  test('a name needs baseUrl and maps to <baseUrl><name>/model.onnx; URLs pass through', () => {
    expect(modelUrl('cgan', 'http://app.test/static/models').href).toBe('http://app.test/static/models/cgan/model.onnx');
    expect(modelUrl('cgan', new URL('http://app.test/m/')).href).toBe('http://app.test/m/cgan/model.onnx');
    expect(modelUrl('http://app.test/x/gan/').href).toBe('http://app.test/x/gan/model.onnx');
    expect(modelUrl('./gan/model.onnx', 'http://app.test/m/').href).toBe('http://app.test/m/gan/model.onnx');
    expect(() => modelUrl('cgan')).toThrow(/^model "cgan" is a name: pass \{ baseUrl \}/);
    expect(() => modelUrl('')).toThrow(/^model source is an empty string/);
    expect(() => modelUrl('cgan', '::bad')).toThrow(/^baseUrl "::bad" is not a URL$/);
  });

  test('software adapters are told apart from hardware ones', () => {
    expect(adapterKind({ vendor: 'google', architecture: 'swiftshader' })).toEqual({ software: true, name: 'google swiftshader' });
    expect(adapterKind({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(adapterKind({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }).software).toBe(true);
    expect(adapterKind({ vendor: 'nvidia', architecture: 'ampere' })).toEqual({ software: false, name: 'nvidia ampere' });
    expect(adapterKind({ vendor: 'intel', architecture: 'gen-12lp', isFallbackAdapter: true }).software).toBe(true);
    expect(adapterKind({ vendor: 'apple', architecture: 'metal-3' }, true).software).toBe(true);
    expect(adapterKind({}).name).toBe('unnamed adapter');
  });

  test('labelledGrid: a column per class present, samples in order, empty cells at the background', () => {
    const n = 3, h = 1, w = 1;
    const images = { data: Float32Array.from([1, -1, 0.5]), n, height: h, width: w, channels: 1, range: [-1, 1] as [number, number] };
    const g = labelledGrid(images, [2, 0, 2], ['a', 'b', 'c'], { pad: 0 });
    expect(g.columns).toEqual([{ label: 0, name: 'a' }, { label: 2, name: 'c' }]);
    expect(g.cells).toEqual([{ row: 0, col: 1 }, { row: 0, col: 0 }, { row: 1, col: 1 }]);
    expect([g.width, g.height]).toEqual([2, 2]);
    // [-1, 1] -> 0..255: row 0 is class a's -1 (0) and class c's 1 (255); row 1 is empty (0) and 0.5 (191).
    expect(Array.from(g.data)).toEqual([0, 255, 0, 191]);
    expect(() => labelledGrid(images, [0, 1], [])).toThrow(/^labelledGrid: 2 labels for 3 images$/);
  });
});
