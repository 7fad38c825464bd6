/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * MAF density (log_prob, z) and sampling (Loop) graphs against the tfjs definition in families/maf/maf.ts on small
 * random-init models, the reference checker on every file, and the graph-size bound: the sampling graph for
 * D = 784 is within 2x the D = 2 graph plus its weights (the Loop is not unrolled).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { MafConfig, initMafParams, mafDefinition, mafForward, mafInverse, mafLogProb } from '../../families/maf/maf';
import { mafDensityGraph } from '../../families/maf/maf-log-prob';
import { mafSampleGraph } from '../../families/maf/maf-sample-loop';
import { builtToBytes } from '../../export/graphs/to-model';
import { decodeModel } from '../../export/onnx/proto';
import { maxAbsDiff, runOrt } from '../../export/ort';
import { weightsFromParams } from '../../export/weights';
import { randn, runChecker, tmpDir, useCpu } from './helpers';

const CONFIGS: [string, MafConfig][] = [
  ['maf-d2', { inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 3 }],
  ['maf-d3-random-order', { inputSize: 3, hiddenSize: 6, nHidden: 2, nFlows: 2, ordering: 'random', seed: 5 }],
  ['maf-d6-linear-made', { inputSize: 6, hiddenSize: 4, nHidden: 0, nFlows: 1 }],
  ['maf-d9', { inputSize: 9, hiddenSize: 24, nHidden: 2, nFlows: 4 }],
  // Log-scales B tanh(a / B): a graph without the bound would give other mu's and alphas everywhere.
  ['maf-d5-bounded', { inputSize: 5, hiddenSize: 12, nHidden: 1, nFlows: 3, logScaleBound: 0.75 }],
  ['maf-d4-linear-bounded', { inputSize: 4, hiddenSize: 4, nHidden: 0, nFlows: 2, logScaleBound: 0.5 }],
  // The network reads S tanh(h / S), in the density pass and in the sampling Loop's rank-1 updates alike.
  ['maf-d5-conditioner-bound', { inputSize: 5, hiddenSize: 12, nHidden: 2, nFlows: 3, conditionerBound: 0.6 }],
  ['maf-d4-linear-both-bounds', { inputSize: 4, hiddenSize: 4, nHidden: 0, nFlows: 2, conditionerBound: 0.5, logScaleBound: 0.5 }],
  // Masked layers of 520x600 and 600x1040: big and sparse enough to be lowered as staircases of Gemms
  // (export/lower/dense.ts).
  ['maf-d520-staircase', { inputSize: 520, hiddenSize: 600, nHidden: 1, nFlows: 2 }],
];

function ops(bytes: Uint8Array): string[] {
  return decodeModel(bytes).graph.node.map((n) => n.op_type);
}

/** Sum of the raw bytes of every initializer (the weights and constants). */
function initializerBytes(bytes: Uint8Array): number {
  return decodeModel(bytes).graph.initializer.reduce((a, t) => a + (t.raw_data?.length ?? 0), 0);
}

describe('MAF graphs match tfjs', () => {
  const dir = tmpDir('maf');
  const written: string[] = [];
  beforeAll(useCpu);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each(CONFIGS)('%s', async (name, cfg) => {
    const def = mafDefinition(cfg);
    const rng = new Random(3, CONFIGS.findIndex((c) => c[0] === name));
    const params = initMafParams(def, rng);
    try {
      const d = cfg.inputSize;
      const n = d > 100 ? 16 : 64; // the tfjs reference runs on the cpu backend
      const weights = weightsFromParams(params);
      const zIn = randn(rng, n * d);
      const dBytes = builtToBytes(mafDensityGraph(def, weights, name));
      const sBytes = builtToBytes(mafSampleGraph(def, weights, name));

      // Sampling: tfjs's D-pass inverse vs the Loop graph.
      const xWant = tf.tidy(() => mafForward(def, params, tf.tensor2d(zIn, [n, d])).x.dataSync() as Float32Array);
      const xGot = (await runOrt(sBytes, { z: { data: zIn, dims: [n, d] } })).x;
      expect(xGot.dims).toEqual([n, d]);
      expect(xWant.every(Number.isFinite)).toBe(true); // a random-init flow can overflow; the test needs finite samples
      expect(maxAbsDiff(xGot.data, xWant)).toBeLessThanOrEqual(1e-4);

      // Density on the model's own samples and on wider noise.
      const x = new Float32Array(2 * n * d);
      x.set(xWant);
      x.set(randn(rng, n * d, 2), n * d);
      const xt = tf.tensor2d(x, [2 * n, d]);
      const lpWant = tf.tidy(() => mafLogProb(def, params, xt).dataSync() as Float32Array);
      const zWant = tf.tidy(() => mafInverse(def, params, xt).z.dataSync() as Float32Array);
      xt.dispose();
      const got = await runOrt(dBytes, { x: { data: x, dims: [2 * n, d] } });
      expect(got.log_prob.dims).toEqual([2 * n]);
      expect(maxAbsDiff(got.log_prob.data, lpWant)).toBeLessThanOrEqual(1e-3);
      expect(maxAbsDiff(got.z.data, zWant)).toBeLessThanOrEqual(1e-4);
      // Round trip: the density graph maps the sampled x back to the z it came from.
      expect(maxAbsDiff(got.z.data.subarray(0, n * d), zIn)).toBeLessThanOrEqual(1e-3);

      expect(ops(sBytes).filter((o) => o === 'Loop').length).toBe(cfg.nFlows);
      // Only the big config's density graph is cut into staircases (a Concat per masked layer).
      expect(ops(dBytes).filter((o) => o === 'Concat').length).toBe(name === 'maf-d520-staircase' ? 2 * cfg.nFlows : 0);
      for (const [role, bytes] of [['log_prob', dBytes], ['sample', sBytes]] as const) {
        const f = path.join(dir, `${name}.${role}.onnx`);
        fs.writeFileSync(f, bytes);
        written.push(f);
      }
    } finally {
      params.forEach((v) => v.dispose());
    }
  });

  test('sampling graph size does not grow with D (Loop, not unrolled)', async () => {
    const sizes = [2, 784].map((d) => {
      const def = mafDefinition({ inputSize: d, hiddenSize: 16, nHidden: 1, nFlows: 2 });
      const params = initMafParams(def, new Random(9));
      try {
        const bytes = builtToBytes(mafSampleGraph(def, weightsFromParams(params), `size-d${d}`));
        return { d, bytes, total: bytes.length, weights: initializerBytes(bytes), nodes: ops(bytes).length };
      } finally {
        params.forEach((v) => v.dispose());
      }
    });
    const [small, big] = sizes;
    console.log(`MAF sample graph: D=2 ${small.total} B (${small.weights} B initializers), D=784 ${big.total} B (${big.weights} B initializers)`);
    expect(big.total).toBeLessThanOrEqual(2 * small.total + big.weights);
    expect(big.nodes).toBe(small.nodes);
    // And the big one runs: a few samples of D = 784 come out finite.
    const z = randn(new Random(1), 3 * 784);
    const x = (await runOrt(big.bytes, { z: { data: z, dims: [3, 784] } })).x;
    expect(x.dims).toEqual([3, 784]);
    expect(x.data.every(Number.isFinite)).toBe(true);
    const f = path.join(dir, 'size-d784.sample.onnx');
    fs.writeFileSync(f, big.bytes);
    written.push(f);
  });

  test('reference checker accepts every MAF graph', () => {
    expect(written.length).toBe(2 * CONFIGS.length + 1);
    const { ok, results } = runChecker(written);
    if (!ok) return;
    for (const r of results) expect({ file: path.basename(r.file), error: r.error }).toEqual({ file: path.basename(r.file), error: undefined });
  });
});
