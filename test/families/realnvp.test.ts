/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The RealNVP family (families/realnvp): log_prob finite and [N]; sample then inverse gives the latents back with
 * the opposite log-determinant; the log-determinant against autodiff's Jacobian (float64 LU) on small D; export
 * round trip (single-pass graphs, no Loop) within export/validate.ts's tolerances on random-weight models; the
 * runtime's Flow loads the exported card; a realnvp-moons run resumed from its checkpoint ends byte-identical to an
 * uninterrupted one; realnvp-fmnist on a slice; the bench hook's rows.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { initBackend, shutdownBackend } from '../../training/backend';
import { readCheckpoint } from '../../training/harness/checkpoint';
import type { TrainFlags } from '../../training/harness/runs';
import { decodeModel } from '../../export/onnx/proto';
import { builtToBytes } from '../../export/graphs/to-model';
import { exportModel } from '../../export/export-model';
import { weightsFromParams } from '../../export/weights';
import { failedChecks } from '../../export/validate';
import { Flow } from '../../runtime/node';
import {
  initRealNvpParams, RealNvpConfig, realnvpDefinition, realnvpForward, realnvpInverse, realnvpLogProb,
} from '../../families/realnvp/definition';
import { realnvpDensityGraph, realnvpSampleGraph } from '../../families/realnvp/graphs';
import { realnvpJob, REALNVP_FILES } from '../../families/realnvp/job';
import { trainRealNvpMoons } from '../../families/realnvp/moons-run';
import { evalSet, likelihoodOf, trainRealNvpFmnist } from '../../families/realnvp/fmnist-run';
import { findFashionMnist, loadFashionMnist } from '../../training/data/fashion-mnist';
import { family as realnvpFamily } from '../../families/realnvp';
import { jacobian, logAbsDet } from '../training/flows/jacobian';
import { randomRealNvp } from './realnvp-fixture';
import * as ort from 'onnxruntime-node';
import { realnvpBenchRows } from '../../families/realnvp/bench';
import type { InferenceWorkload } from '../../eval/bench/inference-workloads';
import type { InferenceRow } from '../../eval/bench/sampling';
import type { TargetRow } from '../../eval/bench/run-bench';

const CONFIGS: [string, RealNvpConfig][] = [
  ['d2', { inputSize: 2, couplings: 4, hidden: 8, nHidden: 2, logScaleBound: 2, firstMask: 'identity' }],
  ['d5-odd', { inputSize: 5, couplings: 3, hidden: 6, nHidden: 1, logScaleBound: 0.7, firstMask: 'identity' }],
  ['d16-checkerboard-shuffle', { inputSize: 16, couplings: 5, hidden: 12, nHidden: 2, logScaleBound: 1.5, firstMask: 'checkerboard', image: { height: 4, width: 4 }, shuffle: true }],
  ['d24-local-conv', { inputSize: 24, couplings: 3, hidden: 10, nHidden: 1, logScaleBound: 1, firstMask: 'checkerboard', image: { height: 4, width: 6 }, shuffle: true, local: { couplings: 3, channels: 4, kernel: 3 } }],
];

const randomised = (cfg: RealNvpConfig, seed: number) => randomRealNvp(cfg, seed);

function randn(seed: number, n: number): Float32Array {
  return new Random(seed, 11).fillNormal(new Float32Array(n));
}

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-realnvp-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await shutdownBackend();
});
afterEach(() => tf.disposeVariables());

describe.each(CONFIGS)('RealNVP %s', (_name, cfg) => {
  const d = cfg.inputSize;

  test('log_prob is finite and [N]; sample -> inverse returns z and the opposite log-det', () => {
    const { def, params } = randomised(cfg, 1);
    const n = 32;
    const z = tf.tensor2d(randn(2, n * d), [n, d]);
    const fwd = realnvpForward(def, params, z);
    const inv = tf.tidy(() => realnvpInverse(def, params, fwd.x));
    const lp = realnvpLogProb(def, params, fwd.x);
    expect(lp.shape).toEqual([n]);
    expect(Array.from(lp.dataSync()).every(Number.isFinite)).toBe(true);
    const zBack = inv.z.dataSync(), z0 = z.dataSync();
    let maxZ = 0;
    for (let i = 0; i < z0.length; i++) maxZ = Math.max(maxZ, Math.abs(zBack[i] - z0[i]));
    expect(maxZ).toBeLessThan(1e-4);
    const a = fwd.logDet.dataSync(), b = inv.logDet.dataSync();
    for (let i = 0; i < n; i++) expect(Math.abs(a[i] + b[i])).toBeLessThan(1e-4);
  });

  test('log|det dz/dx| equals the log|det| of the autodiff Jacobian (float64 LU)', () => {
    const { def, params } = randomised(cfg, 3);
    const xs = randn(4, 3 * d);
    for (let r = 0; r < 3; r++) {
      const x = Array.from(xs.subarray(r * d, (r + 1) * d));
      const jac = jacobian((v) => realnvpInverse(def, params, v).z, x);
      const ld = tf.tidy(() => realnvpInverse(def, params, tf.tensor2d(x, [1, d])).logDet.dataSync()[0]);
      expect(Math.abs(ld - logAbsDet(jac))).toBeLessThan(1e-4 * Math.max(1, Math.abs(ld)));
    }
  });

  test('single-pass ONNX graphs (no Loop) match tfjs within the export tolerances', async () => {
    const { def, params } = randomised(cfg, 5);
    const weights = weightsFromParams(params);
    const job = realnvpJob({
      name: `realnvp-${d}`, def, params, weights,
      training: { run: '-', checkpoint: '-', step: 0, epoch: 0, config: {}, metrics: {} },
      data: { dimensions: d, space: 'test', details: {} },
      parityN: 200, reference: 'tfjs cpu',
    });
    for (const g of job.graphs) expect(decodeModel(builtToBytes(g.built)).graph.node.map((n) => n.op_type)).not.toContain('Loop');
    const bytes = new Map(job.graphs.map((g) => [g.file, builtToBytes(g.built)]));
    const checks = await job.parity(bytes);
    expect(checks.map((c) => c.output).sort()).toEqual(['log_prob', 'x', 'z']);
    expect(failedChecks(checks)).toEqual([]);
    // Independent of the job's own check: the graphs against tfjs on x ~ N(0, I) directly.
    expect(realnvpDensityGraph(def, weights, 'm').outputs.map((o) => o.name)).toEqual(['log_prob', 'z']);
    expect(realnvpSampleGraph(def, weights, 'm').inputs.map((o) => o.name)).toEqual(['z']);
  }, 200_000);
});

test('local couplings: the config is checked, naming the field; permutations that keep the halves whole move no data in the graphs', () => {
  const base: RealNvpConfig = { inputSize: 30, couplings: 2, hidden: 4, nHidden: 1, logScaleBound: 2, firstMask: 'checkerboard', image: { height: 5, width: 6 } };
  expect(() => realnvpDefinition({ ...base, local: { couplings: 1, channels: 4, kernel: 3 } })).toThrow(/local couplings need image \{ height, width \}, both even/);
  const even: RealNvpConfig = { ...base, inputSize: 24, image: { height: 4, width: 6 } };
  expect(() => realnvpDefinition({ ...even, local: { couplings: 1, channels: 4, kernel: 2 } })).toThrow(/local.kernel must be odd/);
  expect(() => realnvpDefinition({ ...even, local: { couplings: 0, channels: 4, kernel: 3 } })).toThrow(/local.couplings must be an integer >= 1/);
  const ops = (g: ReturnType<typeof realnvpSampleGraph>) => decodeModel(builtToBytes(g)).graph.node.map((n) => n.op_type);
  // Reversals only (identity first mask): one Gather, putting z or x in order at the end.
  const rev = randomised({ inputSize: 6, couplings: 4, hidden: 5, nHidden: 1, logScaleBound: 2, firstMask: 'identity' }, 3);
  const rw = weightsFromParams(rev.params);
  for (const g of [realnvpDensityGraph(rev.def, rw, 'm'), realnvpSampleGraph(rev.def, rw, 'm')]) expect(ops(g).filter((o) => o === 'Gather')).toHaveLength(1);
  rev.params.forEach((v) => v.dispose());
  const loc = randomised({ ...even, couplings: 3, shuffle: true, local: { couplings: 3, channels: 4, kernel: 3 } }, 3);
  const lw = weightsFromParams(loc.params);
  expect(loc.def.couplings.filter((c) => !c.permutation.every((v, i) => v === i))).toHaveLength(6);
  // Of the 6 permutations the 2 colour swaps, the reversal and the first dense mask (the checkerboard colours are the
  // local couplings' halves) keep the halves whole. Density: local0 and the shuffle gather, z is then in order.
  // Sampling: the shuffle's inverse, the last local coupling (its grid needs its halves in order) and x gather.
  const gathers = (g: ReturnType<typeof realnvpSampleGraph>) => ops(g).filter((o) => o === 'Gather').length;
  expect([gathers(realnvpDensityGraph(loc.def, lw, 'm')), gathers(realnvpSampleGraph(loc.def, lw, 'm'))]).toEqual([2, 3]);
  loc.params.forEach((v) => v.dispose());
});

test('an exported card loads in the runtime Flow (type flow, family realnvp), whose log_prob and samples agree with tfjs', async () => {
  const cfg = CONFIGS[0][1];
  const { def, params } = randomised(cfg, 9);
  const job = realnvpJob({
    name: 'realnvp-flow', def, params, weights: weightsFromParams(params),
    training: { run: '-', checkpoint: '-', step: 0, epoch: 0, config: {}, metrics: {} },
    data: { dimensions: 2, space: 'test', details: {} },
    parityN: 100, reference: 'tfjs cpu',
  });
  const out = path.join(tmp, 'models', 'realnvp-flow');
  const r = await exportModel(job, out, { checker: 'off', runtime: 'onnxruntime-node' });
  expect(r.card.family).toBe('realnvp');
  expect(r.card.type).toBe('flow');
  const flow = await Flow.load(out, { provider: 'cpu' });
  try {
    const x = randn(12, 40 * 2);
    const got = (await flow.logProb(x)).logProb;
    const want = realnvpLogProb(def, params, tf.tensor2d(x, [40, 2])).dataSync();
    for (let i = 0; i < 40; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-3);
    const s = await flow.sample({ n: 10, seed: 3 });
    expect(s.x.length).toBe(20);
    expect(s.diverged).toEqual([]);
  } finally {
    await flow.release();
  }
  expect(REALNVP_FILES.sample).toBe('sample.onnx');
}, 200_000);

test('realnvp-moons: 2 epochs resumed after 1 end byte-identical to 2 straight; the family object exposes the runs', async () => {
  const flags = (runDir: string, epochs: number, resume: boolean): TrainFlags => ({
    model: 'realnvp-moons', name: 'realnvp-moons', runDir, epochs, batch: 100, seed: 1, resume, fresh: false,
    set: { n: '2000', hidden: '16', couplings: '4', plotEvery: '0', valEvery: '0' }, backend: 'cpu', progress: 'none', resumeCommand: '',
  });
  const straight = path.join(tmp, 'straight');
  const resumed = path.join(tmp, 'resumed');
  const a = await trainRealNvpMoons(flags(straight, 2, false));
  await trainRealNvpMoons(flags(resumed, 1, false));
  const b = await trainRealNvpMoons(flags(resumed, 2, true));
  expect(a.status).toBe('completed');
  expect(b.status).toBe('completed');
  const ca = readCheckpoint(path.join(straight, 'checkpoint.ckpt'));
  const cb = readCheckpoint(path.join(resumed, 'checkpoint.ckpt'));
  expect(ca.kind).toBe('realnvp');
  expect(cb.step).toBe(ca.step);
  const tensors = (c: typeof ca) => new Map(c.tensors.map((t) => [t.name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]));
  const ta = tensors(ca), tb = tensors(cb);
  expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
  for (const [k, v] of ta) expect(tb.get(k)!.equals(v)).toBe(true);
  expect(Number.isFinite(a.testLogLik!)).toBe(true);
  expect(realnvpFamily.runs.map((r) => r.name)).toEqual(['realnvp-moons', 'realnvp-fmnist']);
  expect(realnvpFamily.type).toBe('flow');
}, 400_000);

const fmnist = findFashionMnist({ download: 'never', quiet: true });
(fmnist ? test : test.skip)('realnvp-fmnist on a slice: 3 steps beat the identity flow it starts from; the minutes cap stops a run, leaving its checkpoint', async () => {
  const D = 784;
  const base = { model: 'realnvp-fmnist', name: 'realnvp-fmnist', batch: 100, seed: 0, resume: false, fresh: false, backend: 'cpu', progress: 'none' as const, resumeCommand: '' };
  const set = { nTrain: '300', nEval: '100', couplings: '2', hidden: '16', nHidden: '1', samples: '4', plotEvery: '0', minutes: '0' };
  const runDir = path.join(tmp, 'fmnist');
  const r = await trainRealNvpFmnist({ ...base, runDir, epochs: 1, set });
  expect(r.status).toBe('completed');
  const test = (await loadFashionMnist({ split: 'test', download: 'never', quiet: true })).images.subarray(0, 100 * D);
  const def = realnvpDefinition({ inputSize: D, couplings: 2, hidden: 16, nHidden: 1, logScaleBound: 2, firstMask: 'checkerboard', image: { height: 28, width: 28 }, shuffle: true });
  // The init is the identity flow (zero conditioner outputs); the test noise stream is maf-fmnist's.
  const identity = initRealNvpParams(def, new Random(0));
  const start = await likelihoodOf(def, identity, evalSet(test, D, new Random(0, 0x74657374), 1e-6));
  identity.forEach((v) => v.dispose());
  expect(r.test!.bpd).toBeLessThan(start.bpd - 0.3);
  for (const f of ['best.ckpt', 'summary.json', 'samples-best.png']) expect(fs.existsSync(path.join(runDir, f))).toBe(true);
  expect(readCheckpoint(path.join(runDir, 'best.ckpt')).config).toMatchObject({ realnvp: { couplings: 2, firstMask: 'checkerboard', shuffle: true }, data: { dataset: 'fashion-mnist', lambda: 1e-6 } });

  const capped = path.join(tmp, 'fmnist-capped');
  // 3 ms: the run stops after its first step (no epoch end yet, so no best.ckpt and no test score).
  const c = await trainRealNvpFmnist({ ...base, runDir: capped, epochs: 5, set: { ...set, minutes: '0.00005' } });
  const summary = JSON.parse(fs.readFileSync(path.join(capped, 'summary.json'), 'utf8'));
  expect(summary.status).toBe('time-capped');
  expect(c.message).toMatch(/the 0\.00005-minute cap on training stopped the run: fmnist-capped: interrupted after step \d+ of 15 /);
  expect(readCheckpoint(path.join(capped, 'checkpoint.ckpt')).step).toBeLessThan(15);
}, 400_000);

test('the bench hook runs maf-fmnist\'s sampler and both RealNVP graphs, and turns their rows into the sampler target row', async () => {
  const seen: string[] = [];
  const report = { inference: [] as InferenceRow[], targets: [] as TargetRow[] };
  // The timing itself is eval/bench/sampling.ts's; here each workload's graph runs once on its own feeds, and the
  // rows get rates chosen to check the target arithmetic.
  const bench = async (w: InferenceWorkload, batches: number[]) => {
    seen.push(`${w.key}:${batches.join(',')}`);
    const s = await ort.InferenceSession.create(w.onnx);
    const out = await s.run(w.feeds(2));
    await s.release();
    const first = Object.values(out)[0];
    expect(first.dims[0]).toBe(2);
    expect(Array.from(first.data as Float32Array).every(Number.isFinite)).toBe(true);
    for (const batch of batches) report.inference.push({ workload: w.key, title: w.title, unit: w.unit, batch, runtime: 'onnxruntime-node cpu 1 thread', perS: w.key === 'maf-fmnist-sample' ? 20 : 3000 });
  };
  await realnvpBenchRows(bench, { batches: [1, 256], samplerBatches: [1], inferenceTiming: { warmup: 1, reps: 1, minReps: 1, budgetMs: 1 } }, report);
  expect(seen).toEqual(['maf-fmnist-sample:64', 'realnvp-fmnist-sample:1,64', 'realnvp-fmnist-logprob:1,256']);
  expect(report.targets).toHaveLength(1);
  expect(report.targets[0]).toMatchObject({ ours: 3000, reference: 20, ratio: 150, met: true, target: '>= 100x maf-fmnist' });
}, 200_000);
