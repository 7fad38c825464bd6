/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * Weights stored as float16, computed in float32: the file is the float32 graph with its large initializers
 * rounded to float16 and cast back. Checked against a closed form (the same product in float64 with the weights
 * rounded by an independent float16 implementation: the bit layout, not f16round), against tfjs on a real export,
 * and for what `dgm ship` copies into the runtime package.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { ModelCard, parseCard } from '../../export/card';
import { exportModel } from '../../export/export-model';
import { ganJob } from '../../families/gan/gan-job';
import { FLOAT16_MIN_SIZE, storeWeightsAsFloat16 } from '../../export/onnx/float16';
import { GraphBuilder } from '../../export/onnx/graph-builder';
import { buildModel, modelBytes } from '../../export/onnx/model';
import { DataType } from '../../export/onnx/proto';
import { graphSha256, RUNTIME_ROLES, sha256, shipModels } from '../../export/ship';
import { weightsFromParams } from '../../export/weights';
import { ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { randn, tmpDir, useCpu } from './helpers';

/** float16 bits -> value, from the IEEE 754 layout (1 sign, 5 exponent, 10 fraction bits). */
function halfBitsToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** The nearest float16 of v (ties to even), by search over the 65536 layouts' ordering: independent of the code. */
function nearestHalf(v: number, table: Float64Array): number {
  let lo = 0, hi = table.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid] <= v) lo = mid;
    else hi = mid;
  }
  const a = table[lo], b = table[hi];
  if (v - a < b - v) return a;
  if (b - v < v - a) return b;
  // A tie: the one with an even last fraction bit; the table's neighbours alternate, so compare their bits.
  const bits = (x: number) => { const buf = new DataView(new ArrayBuffer(4)); buf.setFloat32(0, x); return buf.getUint32(0); };
  return (bits(Math.fround(a)) >> 13) % 2 === 0 ? a : b;
}

describe('float16 weights', () => {
  const root = tmpDir('float16');
  beforeAll(useCpu);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a MatMul with float16-stored weights computes x @ round16(W) in float32, at half the size', async () => {
    const rng = new Random(11);
    const [n, k, m] = [5, 24, 16];
    const w = randn(rng, k * m, 0.7);
    const x = randn(rng, n * k);
    const b = new GraphBuilder('mm');
    const xin = b.input('x', DataType.FLOAT, ['N', k]);
    const y = b.op('MatMul', [xin, b.weight('w', w, [k, m])]);
    b.output('y', y, DataType.FLOAT, ['N', m]);
    const model32 = buildModel(b, {});
    const model16 = buildModel(b, {});
    const r = storeWeightsAsFloat16(model16.graph);
    expect(r).toEqual({ converted: 1, bytesBefore: 4 * k * m, bytesAfter: 2 * k * m });
    expect(model16.graph.initializer.map((t) => [t.name, t.data_type])).toEqual([['w_f16', DataType.FLOAT16]]);
    expect(model16.graph.node[0].op_type).toBe('Cast');
    const bytes16 = modelBytes(model16), bytes32 = modelBytes(model32);
    expect(bytes16.length).toBeLessThan(bytes32.length - 2 * k * m + 200);

    const finite = Float64Array.from({ length: 0x7c00 }, (_, h) => halfBitsToNumber(h));
    const table = Float64Array.from([...Array.from(finite).reverse().map((v) => -v), ...finite].filter((v, i, a) => i === 0 || v !== a[i - 1]));
    const w16 = Float64Array.from(w, (v) => nearestHalf(v, table));
    const run = async (bytes: Uint8Array) => {
      const s = await ort.InferenceSession.create(bytes);
      const out = await s.run({ x: new ort.Tensor('float32', x, [n, k]) });
      await s.release();
      return out[s.outputNames[0]].data as Float32Array;
    };
    const got16 = await run(bytes16);
    const got32 = await run(bytes32);
    let err16 = 0, err32 = 0, moved = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let want16 = 0, want32 = 0;
        for (let q = 0; q < k; q++) {
          want16 += x[i * k + q] * w16[q * m + j];
          want32 += x[i * k + q] * w[q * m + j];
        }
        err16 = Math.max(err16, Math.abs(got16[i * m + j] - want16));
        err32 = Math.max(err32, Math.abs(got32[i * m + j] - want32));
        moved = Math.max(moved, Math.abs(want16 - want32));
      }
    }
    // Both files compute in float32 (rounding ~1e-6 on sums of 24 terms); the float16 one with the rounded weights.
    expect(err16).toBeLessThan(1e-5);
    expect(err32).toBeLessThan(1e-5);
    expect(moved).toBeGreaterThan(1e-4); // the rounding is real: the float16 product differs from the float32 one
  });

  test('small initializers stay float32; a weight beyond float16 range is refused by name', () => {
    const b = new GraphBuilder('small');
    const xin = b.input('x', DataType.FLOAT, ['N', 2]);
    b.output('y', b.op('Add', [xin, b.weight('bias', new Float32Array([1, 2]), [2])]), DataType.FLOAT, ['N', 2]);
    const model = buildModel(b, {});
    expect(storeWeightsAsFloat16(model.graph).converted).toBe(0);
    const big = new GraphBuilder('big');
    const xb = big.input('x', DataType.FLOAT, ['N', FLOAT16_MIN_SIZE]);
    const huge = new Float32Array(FLOAT16_MIN_SIZE).fill(1);
    huge[7] = 70000;
    big.output('y', big.op('Add', [xb, big.weight('huge', huge, [FLOAT16_MIN_SIZE])]), DataType.FLOAT, ['N', FLOAT16_MIN_SIZE]);
    expect(() => storeWeightsAsFloat16(buildModel(big, {}).graph)).toThrow(/^weight huge: value 70000 at index 7 is beyond float16's range/);
  });

  test('a GAN exported with float16 weights: float32 parity enforced, float16 deviation measured, half the bytes; dgm ship copies the generator only', async () => {
    const def = ganDefinition({ numClasses: 0, head: 'dense', dimZ: 8 });
    const { gen, disc } = initGanParams(def, new Random(5));
    const params = new Map([...gen, ...disc]);
    const training: ModelCard['training'] = { run: 'runs/t', checkpoint: 'runs/t/checkpoint.ckpt', step: 1, epoch: 0, config: {}, metrics: {} };
    try {
      const make = (weights: 'float32' | 'float16') => ({
        ...ganJob({ name: 'g', kind: 'gan', def, params, weights: weightsFromParams(params), training, classNames: [], parityN: 20, reference: 'tfjs cpu' }),
        weights,
      });
      const r32 = await exportModel(make('float32'), path.join(root, 'f32', 'g'), { runtime: 'test' });
      const r16 = await exportModel(make('float16'), path.join(root, 'f16', 'g'), { runtime: 'test' });
      expect(r16.card.weights).toBe('float16');
      expect(r32.card.weights).toBe('float32');
      expect(r16.card.parity.checks).toEqual(r32.card.parity.checks); // the same float32 graph was checked
      const dev = r16.card.parity.float16!;
      expect(dev.map((d) => `${d.file}:${d.output}`)).toEqual(r32.card.parity.checks.map((c) => `${c.file}:${c.output}`));
      for (const d of dev) expect(d.maxAbsError).toBeGreaterThan(0);
      const size = (r: typeof r32) => r.files.find((f) => f.file === 'model.onnx')!.bytes;
      expect(size(r16)).toBeLessThan(0.55 * size(r32));

      const out = path.join(root, 'shipped');
      fs.mkdirSync(out);
      const { index, sameGraphs } = shipModels(['g'], { modelsDir: path.join(root, 'f16'), outDir: out });
      expect(sameGraphs).toEqual({ g: undefined });
      expect(fs.readdirSync(path.join(out, 'g')).sort()).toEqual(['card.json', 'model.onnx']);
      const card = parseCard(fs.readFileSync(path.join(out, 'g', 'card.json'), 'utf8'), 'card.json');
      expect(card.files.filter((f) => RUNTIME_ROLES.includes(f.role)).map((f) => f.file)).toEqual(['model.onnx']);
      const bytes = fs.readFileSync(path.join(out, 'g', 'model.onnx'));
      expect(index.models).toEqual([{ name: 'g', family: 'gan', kind: 'gan', description: card.description, weights: 'float16', files: [{ file: 'model.onnx', role: 'generator', bytes: bytes.length, sha256: sha256(bytes), graphSha256: graphSha256(bytes) }], figures: {} }]);
      expect(JSON.parse(fs.readFileSync(path.join(out, 'index.json'), 'utf8'))).toEqual(index);
      // The index's graph hash is the card's own record of the file (its bytes without metadata_props).
      expect(index.models[0].files[0].graphSha256).toBe(card.files.find((f) => f.file === 'model.onnx')!.sha256);
      // Shipping the float32 export over it: a different graph (other weights), reported as such.
      expect(shipModels(['g'], { modelsDir: path.join(root, 'f32'), outDir: out }).sameGraphs).toEqual({ g: false });
      expect(shipModels(['g'], { modelsDir: path.join(root, 'f32'), outDir: out }).sameGraphs).toEqual({ g: true });
    } finally {
      params.forEach((v) => v.dispose());
    }
  });
});
