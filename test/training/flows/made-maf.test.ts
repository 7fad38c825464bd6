/**
 * MADE / MAF against closed forms and independent computations: masks against the PyTorch reference formulas, the
 * log-density against a float64 plain-JS evaluation, inverse/forward round trips, autodiff Jacobians (triangular
 * structure and log|det|), and normalisation on a grid.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { initBackend } from '../../../training/backend';
import { initParams, maskOf, Params } from '../../../training/nets/layers';
import { madeDefinition, madeForward, madeInverse, madeParams, madeUnseenInputs } from '../../../families/maf/made';
import { initMafParams, mafDefinition, mafForward, mafInverse, mafLogProb, mafLogProbRows, mafSample, permuteColumns } from '../../../families/maf/maf';
import { jacobian, logAbsDet } from './jacobian';
import { referenceMaf } from './reference-maf';

// Closed-form checks on the plain-JS backend (float32, no threads); the grid integrals live in maf-density.test.ts (wasm).
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});
// tfjs registers variables by name globally: each test builds its own model under the same names.
afterEach(() => tf.disposeVariables());

function randn(n: number, d: number, seed: number, scale = 1): tf.Tensor2D {
  return tf.tensor2d(new Random(seed).fillNormal(new Float32Array(n * d), 0, scale), [n, d]);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Give every parameter of a fresh model a wider spread than the default init so alphas are far from 0. */
function perturb(params: Params, seed: number, scale: number): void {
  const rng = new Random(seed, 3);
  for (const v of params.values()) v.assign(tf.tensor(rng.fillNormal(new Float32Array(v.size), 0, scale), v.shape));
}

describe('MADE masks', () => {
  test.each([2, 3, 5])('D = %i: masks equal the PyTorch reference (deg_h = arange(H) %% (D-1), outputs arange(D)-1 with >=)', (d) => {
    const h = 7;
    const made = madeDefinition({ inputSize: d, hiddenSize: h, nHidden: 2 }, 'm');
    const layers = made.stack.filter((l) => l.kind === 'maskedDense');
    expect(layers).toHaveLength(3);
    const degH = Array.from({ length: h }, (_, k) => k % (d - 1));
    const degOut = Array.from({ length: d }, (_, i) => i - 1);
    // Our kernels are [in, out]; the reference masks are [out, in]: compare entry [i, j] with ref[j][i].
    const ref = [
      (j: number, i: number) => degH[j] >= i,
      (j: number, i: number) => degH[j] >= degH[i],
      (o: number, k: number) => degOut[o % d] >= degH[k],
    ];
    layers.forEach((layer, li) => {
      if (layer.kind !== 'maskedDense') throw new Error('unreachable');
      const m = maskOf(layer);
      const nIn = layer.inDegrees.length, nOut = layer.outDegrees.length;
      for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) expect([li, i, j, m[i * nOut + j]]).toEqual([li, i, j, ref[li](j, i) ? 1 : 0]);
    });
  });

  test('D = 2: every hidden unit has degree 0, so mu_0 and alpha_0 are constants (the output biases)', () => {
    const made = madeDefinition({ inputSize: 2, hiddenSize: 5, nHidden: 1 }, 'm');
    const hidden = made.stack[0];
    expect(hidden.kind === 'maskedDense' && hidden.outDegrees).toEqual([0, 0, 0, 0, 0]);
    const params = initMafParams(mafDefinition({ inputSize: 2, hiddenSize: 5, nHidden: 1, nFlows: 1 }), new Random(1));
    const m2 = mafDefinition({ inputSize: 2, hiddenSize: 5, nHidden: 1, nFlows: 1 }).flows[0].made;
    const x = randn(4, 2, 2);
    const { mu, alpha } = madeParams(m2, params, x);
    const bias = params.get('flow0.out.bias')!.dataSync();
    for (const r of [0, 1, 2, 3]) {
      expect(mu.arraySync()[r][0]).toBeCloseTo(bias[0], 6);
      expect(alpha.arraySync()[r][0]).toBeCloseTo(bias[2], 6);
    }
  });

  test.each([
    [10, 4, 1],
    [10, 4, 2],
    [10, 9, 1],
    [10, 12, 2],
    [6, 1, 1],
  ])('D = %i, H = %i, %i hidden: madeUnseenInputs equals the inputs the mask product connects to no output', (d, h, nHidden) => {
    const made = madeDefinition({ inputSize: d, hiddenSize: h, nHidden }, 'm');
    // reach[i][k]: input i has a masked path to unit k of the current layer.
    let reach = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, k) => i === k));
    for (const layer of made.stack) {
      if (layer.kind !== 'maskedDense') continue;
      const m = maskOf(layer);
      const nOut = layer.outDegrees.length;
      reach = reach.map((row) => Array.from({ length: nOut }, (_, j) => row.some((r, k) => r && m[k * nOut + j] === 1)));
    }
    const unseen = reach.filter((row) => !row.some(Boolean)).length - 1; // minus degree D-1, which no output may see
    expect(madeUnseenInputs({ inputSize: d, hiddenSize: h, nHidden })).toBe(unseen);
  });

  test('bad configs are rejected with the input named', () => {
    expect(() => madeDefinition({ inputSize: 1, hiddenSize: 4, nHidden: 1 })).toThrow(/inputSize/);
    expect(() => madeDefinition({ inputSize: 3, hiddenSize: 0, nHidden: 1 })).toThrow(/hiddenSize/);
    expect(() => madeDefinition({ inputSize: 3, hiddenSize: 4, nHidden: 1, ordering: 'random' })).toThrow(/seed/);
    expect(() => mafDefinition({ inputSize: 3, hiddenSize: 4, nHidden: 1, nFlows: 0 })).toThrow(/nFlows/);
  });
});

describe('MAF log-density', () => {
  test.each([
    [2, 6, 1, 3],
    [3, 8, 2, 2],
    [5, 16, 1, 4],
  ])('D=%i H=%i nHidden=%i flows=%i: equals a float64 plain-JS evaluation of the reference network', (d, h, nHidden, nFlows) => {
    const def = mafDefinition({ inputSize: d, hiddenSize: h, nHidden, nFlows });
    const params = initMafParams(def, new Random(10 + d));
    perturb(params, d, 0.2);
    const x = randn(6, d, 20 + d, 1.5);
    const lp = mafLogProb(def, params, x).dataSync();
    const rows = x.arraySync();
    rows.forEach((row, r) => {
      const ref = referenceMaf(d, h, nHidden, nFlows, params)(row);
      expect(Math.abs(lp[r] - ref)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref)));
    });
  });

  test('mafLogProbRows (batched) equals one mafLogProb call', async () => {
    const def = mafDefinition({ inputSize: 3, hiddenSize: 8, nHidden: 1, nFlows: 2 });
    const params = initMafParams(def, new Random(4));
    const x = randn(25, 3, 5);
    const whole = mafLogProb(def, params, x).dataSync();
    const batched = await mafLogProbRows(def, params, x.dataSync() as Float32Array, 7);
    for (let i = 0; i < 25; i++) expect(batched[i]).toBeCloseTo(whole[i], 5);
  });
});

describe('inverse and forward are each other\'s inverse (float32, 1e-5)', () => {
  test.each([
    [2, 'sequential'],
    [3, 'sequential'],
    [5, 'sequential'],
    [5, 'random'],
    [8, 'random'],
  ] as const)('D=%i ordering=%s, 3 flows, random weights', (d, ordering) => {
    const def = mafDefinition({ inputSize: d, hiddenSize: 12, nHidden: 2, nFlows: 3, ordering, seed: 99 });
    const params = initMafParams(def, new Random(d));
    perturb(params, 100 + d, 0.3);
    const z = randn(50, d, 7);
    const fwd = mafForward(def, params, z);
    const inv = mafInverse(def, params, fwd.x);
    expect(maxAbsDiff(inv.z, z)).toBeLessThan(1e-5);
    // The two log-determinants are of mutually inverse maps at matching points: they must cancel.
    expect(maxAbsDiff(tf.add(fwd.logDet, inv.logDet), tf.zeros([50]))).toBeLessThan(1e-5);

    const x = randn(50, d, 8);
    const inv2 = mafInverse(def, params, x);
    expect(maxAbsDiff(mafForward(def, params, inv2.z).x, x)).toBeLessThan(1e-5);
  });

  test('single MADE with a random ordering: forward then inverse', () => {
    const made = madeDefinition({ inputSize: 6, hiddenSize: 10, nHidden: 1, ordering: 'random', seed: 5 }, 'm');
    expect([...made.degrees].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(made.degrees).not.toEqual([0, 1, 2, 3, 4, 5]);
    const params = initParams(made.stack, new Random(2));
    perturb(params, 3, 0.4);
    const z = randn(20, 6, 9);
    const { x } = madeForward(made, params, z);
    expect(maxAbsDiff(madeInverse(made, params, x).z, z)).toBeLessThan(1e-5);
  });

  test('sampling is reproducible from the seed and gives finite values', () => {
    const def = mafDefinition({ inputSize: 2, hiddenSize: 8, nHidden: 1, nFlows: 2 });
    const params = initMafParams(def, new Random(1));
    const a = mafSample(def, params, 10, 42).dataSync();
    const b = mafSample(def, params, 10, 42).dataSync();
    const c = mafSample(def, params, 10, 43).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a).every(Number.isFinite)).toBe(true);
  });

  test('permuteColumns gradient is the inverse permutation of the upstream gradient', () => {
    const perm = [2, 0, 3, 1];
    const x = randn(3, 4, 1);
    const w = randn(3, 4, 2);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(permuteColumns(v as tf.Tensor2D, perm), w)))(x);
    // d/dx[:, perm[i]] of sum(x[:, perm[i]] * w[:, i]) = w[:, i]
    const ga = g.arraySync() as number[][], wa = w.arraySync();
    for (let r = 0; r < 3; r++) for (let i = 0; i < 4; i++) expect(ga[r][perm[i]]).toBeCloseTo(wa[r][i], 6);
  });
});

describe('bounded log-scales', () => {
  test('alpha = B tanh(a / B): |alpha| <= B, log|det J| = returned logDet both ways, forward inverts inverse', () => {
    const d = 4, bound = 0.6;
    const def = mafDefinition({ inputSize: d, hiddenSize: 12, nHidden: 1, nFlows: 2, logScaleBound: bound });
    const free = mafDefinition({ inputSize: d, hiddenSize: 12, nHidden: 1, nFlows: 2 });
    const params = initMafParams(def, new Random(71));
    perturb(params, 72, 0.8);
    const x = randn(16, d, 73);
    // The bound applied to the unbounded network's own output, computed here independently.
    const a = madeParams(free.flows[0].made, params, x).alpha.arraySync();
    const got = madeParams(def.flows[0].made, params, x).alpha.arraySync();
    let bites = 0;
    for (let r = 0; r < 16; r++) {
      for (let j = 0; j < d; j++) {
        expect(got[r][j]).toBeCloseTo(bound * Math.tanh(a[r][j] / bound), 5);
        expect(Math.abs(got[r][j])).toBeLessThanOrEqual(Math.fround(bound)); // tanh rounds to 1 in float32 far out
        if (Math.abs(a[r][j]) > bound) bites++;
      }
    }
    expect(bites).toBeGreaterThan(0);
    for (const seed of [1, 2]) {
      const x0 = Array.from(new Random(seed).fillNormal(new Float32Array(d)));
      const Jinv = jacobian((v) => mafInverse(def, params, v).z, x0);
      expect(Math.abs(logAbsDet(Jinv) - mafInverse(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0])).toBeLessThan(1e-4);
      const Jfwd = jacobian((v) => mafForward(def, params, v).x, x0);
      expect(Math.abs(logAbsDet(Jfwd) - mafForward(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0])).toBeLessThan(1e-4);
    }
    const inv = mafInverse(def, params, x);
    expect(maxAbsDiff(mafForward(def, params, inv.z).x, x)).toBeLessThan(1e-5);
  });

  test('the bound must be a positive number', () => {
    expect(() => mafDefinition({ inputSize: 3, hiddenSize: 4, nHidden: 1, nFlows: 1, logScaleBound: 0 })).toThrow(/logScaleBound must be a positive number, got 0/);
  });
});

describe('bounded conditioner inputs', () => {
  test('the network reads S tanh(x / S): mu, alpha of the unbounded network at the squashed input, the step uses x itself', () => {
    const d = 4, bound = 0.7;
    const def = mafDefinition({ inputSize: d, hiddenSize: 12, nHidden: 1, nFlows: 2, conditionerBound: bound });
    const free = mafDefinition({ inputSize: d, hiddenSize: 12, nHidden: 1, nFlows: 2 });
    const params = initMafParams(def, new Random(81));
    perturb(params, 82, 0.8);
    const x = tf.mul(randn(16, d, 83), 3) as tf.Tensor2D;
    // Independently: squash by hand, feed the plain network, then take the affine step on the raw x.
    const squashed = tf.tensor2d((x.arraySync() as number[][]).map((r) => r.map((v) => bound * Math.tanh(v / bound))));
    const ref = madeParams(free.flows[0].made, params, squashed);
    const got = madeParams(def.flows[0].made, params, x);
    expect(maxAbsDiff(got.mu, ref.mu)).toBeLessThan(1e-5);
    expect(maxAbsDiff(got.alpha, ref.alpha)).toBeLessThan(1e-5);
    const zRef = tf.mul(tf.sub(x, ref.mu), tf.exp(tf.neg(ref.alpha)));
    expect(maxAbsDiff(madeInverse(def.flows[0].made, params, x).z, zRef as tf.Tensor2D)).toBeLessThan(1e-4);
    // Far-off inputs give the conditionals of the squashed network's saturation, not an extrapolation.
    const far = tf.mul(x, 1e4) as tf.Tensor2D;
    const farRef = madeParams(free.flows[0].made, params, tf.mul(tf.sign(far), bound) as tf.Tensor2D);
    expect(maxAbsDiff(madeParams(def.flows[0].made, params, far).alpha, farRef.alpha)).toBeLessThan(1e-4);
    for (const seed of [1, 2]) {
      const x0 = Array.from(new Random(seed).fillNormal(new Float32Array(d)));
      const Jinv = jacobian((v) => mafInverse(def, params, v).z, x0);
      expect(Math.abs(logAbsDet(Jinv) - mafInverse(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0])).toBeLessThan(1e-4);
      const Jfwd = jacobian((v) => mafForward(def, params, v).x, x0);
      expect(Math.abs(logAbsDet(Jfwd) - mafForward(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0])).toBeLessThan(1e-4);
    }
    const inv = mafInverse(def, params, x);
    expect(maxAbsDiff(mafForward(def, params, inv.z).x, x)).toBeLessThan(1e-4);
  });

  test('the conditioner bound must be a positive number', () => {
    expect(() => mafDefinition({ inputSize: 3, hiddenSize: 4, nHidden: 1, nFlows: 1, conditionerBound: -1 })).toThrow(/conditionerBound must be a positive number, got -1/);
  });
});

describe('autodiff Jacobian of the density direction', () => {
  test.each([
    [2, 'sequential'],
    [3, 'sequential'],
    [5, 'sequential'],
    [3, 'random'],
    [5, 'random'],
  ] as const)('single MADE, D=%i %s: lower triangular in degree order, log|det| = returned logDet', (d, ordering) => {
    const made = madeDefinition({ inputSize: d, hiddenSize: 3 * d, nHidden: 2, ordering, seed: 11 }, 'm');
    const params = initParams(made.stack, new Random(d));
    perturb(params, 30 + d, 0.5);
    const x0 = Array.from(new Random(40 + d).fillNormal(new Float32Array(d)));
    const J = jacobian((v) => madeInverse(made, params, v).z, x0);
    const byDegree = made.degrees.map((_, g) => made.degrees.indexOf(g)); // column index of degree g
    for (let a = 0; a < d; a++) {
      for (let b = 0; b < d; b++) {
        const v = J[byDegree[a]][byDegree[b]];
        if (b > a) expect(v).toBe(0);
        if (b === a) expect(Math.abs(v)).toBeGreaterThan(0);
      }
    }
    const ret = madeInverse(made, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0];
    expect(Math.abs(logAbsDet(J) - ret)).toBeLessThan(1e-4);
  });

  test.each([2, 3, 5])('MAF (3 flows with reversals), D=%i: log|det J| = returned logDet, both directions', (d) => {
    const def = mafDefinition({ inputSize: d, hiddenSize: 4 * d, nHidden: 1, nFlows: 3 });
    const params = initMafParams(def, new Random(50 + d));
    perturb(params, 60 + d, 0.3);
    for (const seed of [1, 2, 3]) {
      const x0 = Array.from(new Random(seed).fillNormal(new Float32Array(d)));
      const Jinv = jacobian((v) => mafInverse(def, params, v).z, x0);
      const ret = mafInverse(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0];
      expect(Math.abs(logAbsDet(Jinv) - ret)).toBeLessThan(1e-4);
      const Jfwd = jacobian((v) => mafForward(def, params, v).x, x0);
      const retF = mafForward(def, params, tf.tensor2d(x0, [1, d])).logDet.dataSync()[0];
      expect(Math.abs(logAbsDet(Jfwd) - retF)).toBeLessThan(1e-4);
    }
  });
});
