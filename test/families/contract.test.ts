/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The contract every registered family (families/registry.ts) keeps, checked from its Family object alone, so a new
 * family is tested by being registered. Each family names one of its runs and tiny settings (`contract`); the run is
 * trained through its own `train` with the CLI's flags on the wasm backend (one thread), on a small fake Fashion-MNIST folder.
 *
 *  - every family: the checkpoint carries the family's kind and the registry maps it back; training 2 steps straight,
 *    and the same run interrupted after 1 step then resumed, give byte-identical tensors, optimizer state and random state; export through the
 *    family's exportJob passes its parity bounds and writes a card that parses with family = name and type = type,
 *    and the runtime API of that type loads it.
 *  - flows: log_prob finite with shape [N]; inverse(forward(z)) = z; log_prob(forward(z)) = log N(z) + log|det| of
 *    the inverse; that log-determinant against the log|det| of the Jacobian computed by tfjs autodiff (tf.grad, one
 *    row per output dimension), on the family's small D.
 *  - generators: image shape [N, H, W, C] finite, discriminator [N]; labels: required by a conditional model, change
 *    the output, and out-of-range labels are refused by the runtime's sampler.
 *  - classifiers: logits [N, K] finite in tfjs and through the exported file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { parseCard } from '../../runtime/core/card';
import { Flow, GanSampler } from '../../runtime/node';
import { readCheckpoint, type Checkpoint } from '../../training/harness/checkpoint';
import type { TrainFlags } from '../../training/harness/runs';
import { exportModel } from '../../export/export-model';
import { jobFromRun } from '../../export/from-run';
import { ClassifierModel } from '../../eval/classifier-model';
import { families, familyOfKind, getRun } from '../../families/registry';
import type { ContractClassifier, ContractFlow, ContractGenerator, Family } from '../../families/family';
import { writeFakeSet } from '../training/data/fake-set';
import { tmpDir } from '../export/helpers';
import { initBackend } from '../../training/backend';

jest.setTimeout(600000);

const root = tmpDir('contract');
const dataDir = path.join(root, 'fmnist');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function flags(f: Family, runDir: string, steps: number, resume: boolean, stopAfterSteps?: number): TrainFlags {
  const c = f.contract;
  return {
    model: c.run,
    name: path.basename(runDir),
    runDir,
    steps,
    batch: c.batch,
    seed: 7,
    resume,
    fresh: !resume,
    data: dataDir,
    checkpointEvery: 1,
    logEvery: 1,
    set: c.set ?? {},
    backend: 'wasm',
    progress: 'none',
    resumeCommand: 'contract test',
    ...(stopAfterSteps !== undefined ? { stopAfterSteps } : {}),
  };
}

function tensorsOf(ck: Checkpoint): Map<string, { shape: number[]; bytes: Buffer }> {
  return new Map(ck.tensors.map((t) => [t.name, { shape: t.shape, bytes: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength) }]));
}

/** log|det A| of a small dense matrix (row-major, d x d) by Gaussian elimination with partial pivoting, in float64. */
function logAbsDet(a: Float64Array, d: number): number {
  const m = Float64Array.from(a);
  let s = 0;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * d + c]) > Math.abs(m[p * d + c])) p = r;
    if (m[p * d + c] === 0) return -Infinity;
    if (p !== c) for (let k = 0; k < d; k++) [m[c * d + k], m[p * d + k]] = [m[p * d + k], m[c * d + k]];
    s += Math.log(Math.abs(m[c * d + c]));
    for (let r = c + 1; r < d; r++) {
      const f = m[r * d + c] / m[c * d + c];
      for (let k = c; k < d; k++) m[r * d + k] -= f * m[c * d + k];
    }
  }
  return s;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function flowChecks(model: ContractFlow): void {
  const d = model.dims;
  const n = 16;
  const rng = new Random(11);
  const z = rng.fillNormal(new Float32Array(n * d));

  const lp = tf.tidy(() => model.logProb(tf.tensor2d(rng.fillNormal(new Float32Array(n * d)), [n, d])));
  expect(lp.shape).toEqual([n]);
  expect(Array.from(lp.dataSync()).every(Number.isFinite)).toBe(true);
  lp.dispose();

  // Sampling direction then density direction.
  const [x, zBack, logDet, lpx] = tf.tidy(() => {
    const xs = model.forward(tf.tensor2d(z, [n, d]));
    const inv = model.inverse(xs);
    return [xs.dataSync() as Float32Array, inv.z.dataSync() as Float32Array, inv.logDet.dataSync() as Float32Array, model.logProb(xs).dataSync() as Float32Array];
  });
  let zErr = 0;
  for (let i = 0; i < z.length; i++) zErr = Math.max(zErr, Math.abs(zBack[i] - z[i]) / (1 + Math.abs(z[i])));
  expect(zErr).toBeLessThan(1e-4);
  for (let r = 0; r < n; r++) {
    let sq = 0;
    for (let k = 0; k < d; k++) sq += z[r * d + k] ** 2;
    const want = -0.5 * sq - d * HALF_LOG_2PI + logDet[r];
    expect(Math.abs(lpx[r] - want)).toBeLessThan(1e-3 * (1 + Math.abs(want)));
  }

  // The log-determinant against autodiff's Jacobian dz/dx, one gradient per output dimension, at a few sampled x.
  if (d <= 8) {
    for (let r = 0; r < 4; r++) {
      const row = x.slice(r * d, (r + 1) * d);
      const jac = new Float64Array(d * d);
      for (let i = 0; i < d; i++) {
        const g = tf.tidy(() => tf.grad((xx: tf.Tensor) => tf.sum(tf.slice(model.inverse(xx as tf.Tensor2D).z, [0, i], [1, 1])))(tf.tensor2d(row, [1, d])).dataSync());
        for (let k = 0; k < d; k++) jac[i * d + k] = g[k];
      }
      const want = logAbsDet(jac, d);
      expect(Math.abs(logDet[r] - want)).toBeLessThan(1e-3 * (1 + Math.abs(want)));
    }
  }
}

function generatorChecks(model: ContractGenerator): void {
  const n = 4;
  const [h, w, c] = model.imageShape;
  const rng = new Random(12);
  const z = rng.fillNormal(new Float32Array(n * model.latentSize));
  const k = model.numClasses;
  const labels = k > 0 ? Int32Array.from({ length: n }, (_, i) => i % k) : null;
  const img = tf.tidy(() => model.generate(tf.tensor2d(z, [n, model.latentSize]), labels ? tf.tensor1d(labels, 'int32') : null));
  expect(img.shape).toEqual([n, h, w, c]);
  expect(Array.from(img.dataSync()).every(Number.isFinite)).toBe(true);
  const logit = tf.tidy(() => model.discriminate(img, labels ? tf.tensor1d(labels, 'int32') : null));
  expect(logit.shape).toEqual([n]);
  expect(Array.from(logit.dataSync()).every(Number.isFinite)).toBe(true);
  tf.dispose([img, logit]);
  if (k > 0) {
    expect(() => tf.tidy(() => model.generate(tf.tensor2d(z, [n, model.latentSize]), null))).toThrow(/labels/);
    // The same z under two different labels: the label reaches the image.
    const [a, b] = tf.tidy(() => {
      const zz = tf.tensor2d(z, [n, model.latentSize]);
      return [model.generate(zz, tf.tensor1d(new Int32Array(n).fill(0), 'int32')).dataSync(), model.generate(zz, tf.tensor1d(new Int32Array(n).fill(k - 1), 'int32')).dataSync()];
    });
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeGreaterThan(0);
  } else {
    expect(() => tf.tidy(() => model.generate(tf.tensor2d(z, [n, model.latentSize]), tf.tensor1d(new Int32Array(n), 'int32')))).toThrow(/unconditional/);
  }
}

function classifierChecks(model: ContractClassifier): void {
  const n = 5;
  const [h, w, c] = model.imageShape;
  const x = new Random(13).fillUniform(new Float32Array(n * h * w * c), -1, 1);
  const logits = tf.tidy(() => model.classify(tf.tensor4d(x, [n, h, w, c])));
  expect(logits.shape).toEqual([n, model.numClasses]);
  expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
  logits.dispose();
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', threads: 1, quiet: true });
  writeFakeSet(dataDir, 64, 20);
});

describe.each(families().map((f) => [f.name, f] as const))('family %s', (_name, family) => {
  const straight = path.join(root, `${family.name}-straight`);
  const resumed = path.join(root, `${family.name}-resumed`);
  const run = getRun(family.contract.run);

  beforeAll(async () => {
    await run.train(flags(family, straight, 2, false));
    // The same run cut short after one step (as Ctrl-C does), then resumed.
    const cut = await run.train(flags(family, resumed, 2, false, 1));
    expect(cut.status).toBe('interrupted');
    await run.train(flags(family, resumed, 2, true));
  });

  test('its checkpoint carries the family kind, which the registry maps back', () => {
    const ck = readCheckpoint(path.join(straight, 'checkpoint.ckpt'));
    expect(ck.kind).toBe(family.name);
    expect(ck.step).toBe(2);
    expect(familyOfKind(ck.kind)).toBe(family);
    expect(family.runs.map((r) => r.name)).toContain(family.contract.run);
  });

  test('a resumed run ends byte-identical to a straight one', () => {
    const a = readCheckpoint(path.join(straight, 'checkpoint.ckpt'));
    const b = readCheckpoint(path.join(resumed, 'checkpoint.ckpt'));
    expect(b.step).toBe(a.step);
    expect(b.rng).toEqual(a.rng);
    const ta = tensorsOf(a), tb = tensorsOf(b);
    expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
    expect(ta.size).toBeGreaterThan(0);
    for (const [name, t] of ta) {
      expect({ name, shape: tb.get(name)!.shape }).toEqual({ name, shape: t.shape });
      if (!tb.get(name)!.bytes.equals(t.bytes)) throw new Error(`${family.name}: tensor ${name} differs after resume`);
    }
  });

  test(`the model obeys the ${family.type} contract`, () => {
    const ck = readCheckpoint(path.join(straight, 'checkpoint.ckpt'));
    const model = family.contract.load(ck);
    try {
      expect(model.type).toBe(family.type);
      if (model.type === 'flow') flowChecks(model);
      else if (model.type === 'gan') generatorChecks(model);
      else classifierChecks(model);
    } finally {
      model.dispose();
    }
  });

  test('export: parity within bounds, a valid card, loaded by the runtime API of its type', async () => {
    const rj = await jobFromRun(straight, { which: 'last', parityN: 20, noRealData: true, reference: 'tfjs wasm' });
    const out = path.join(root, 'models', family.name);
    try {
      expect(rj.job.family).toBe(family.name);
      expect(rj.job.type).toBe(family.type);
      const { card } = await exportModel(rj.job, out, { checker: 'off', runtime: 'onnxruntime-node' });
      expect(card.parity.checks.length).toBeGreaterThan(0);
      for (const c of card.parity.checks) {
        if (c.withinTolerance !== undefined) expect({ check: `${c.file} ${c.output} ${c.inputs}`, ok: c.withinTolerance }).toEqual({ check: `${c.file} ${c.output} ${c.inputs}`, ok: true });
        else expect(c.maxAbsError).toBeLessThanOrEqual(c.tolerance);
      }
    } finally {
      rj.dispose();
    }
    const card = parseCard(fs.readFileSync(path.join(out, 'card.json'), 'utf8'), 'card.json');
    expect({ family: card.family, type: card.type, kind: card.kind }).toEqual({ family: family.name, type: family.type, kind: family.name });
    if (family.type === 'flow') {
      const flow = await Flow.load(out, { provider: 'cpu' });
      try {
        const d = flow.spec.dims;
        const r = await flow.logProb(new Random(3).fillNormal(new Float32Array(4 * d)));
        expect(r.logProb.length).toBe(4);
        expect(Array.from(r.logProb).every(Number.isFinite)).toBe(true);
      } finally {
        await flow.release();
      }
    } else if (family.type === 'gan') {
      const gan = await GanSampler.load(out, { provider: 'cpu' });
      try {
        const s = await gan.sample({ n: 3, seed: 1 });
        const im = gan.spec.image;
        expect([s.images.n, s.images.height, s.images.width, s.images.channels]).toEqual([3, im.height, im.width, im.channels]);
        if (gan.spec.numClasses > 0) await expect(gan.sample({ n: 2, seed: 1, labels: gan.spec.numClasses })).rejects.toThrow(/label/);
        else await expect(gan.sample({ n: 2, seed: 1, labels: 0 })).rejects.toThrow(/unconditional/);
      } finally {
        await gan.release();
      }
    } else {
      const cls = await ClassifierModel.load(out, 1);
      try {
        const n = 3;
        const r = await cls.run(new Random(4).fillUniform(new Float32Array(n * cls.pixels), -1, 1), n);
        expect(r.logits.length).toBe(n * cls.info.numClasses);
        expect(r.features.length).toBe(n * cls.info.features);
      } finally {
        await cls.release();
      }
    }
  });
});
