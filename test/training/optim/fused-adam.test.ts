/**
 * The fused Adam update against tfjs' own Adam (eleven element-wise kernels per variable) on the same backend:
 * bit-identical parameters and moments after several steps of a loss with curvature, for the three beta settings
 * our runs use, on cpu, on wasm with one thread (the backend's exported memory) and with two (its shared memory),
 * with sizes that leave 0 to 3 elements after the 4-wide SIMD loop.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, shutdownBackend } from '../../../training/backend';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { ADAM_UPDATE, wasmAdamUsesSimd } from '../../../training/optim/adam-update';
import { adam, FusedAdamOptimizer } from '../../../training/optim/fused-adam';
import { Random } from '../../../runtime/core/random';

afterAll(() => shutdownBackend());

const SHAPES = [[7, 5], [13], [2, 3, 4, 2], [3, 2], [1]];
const BETAS: [string, [number, number]][] = [
  ['0.9/0.999 (flows)', [0.9, 0.999]],
  ['0.5/0.999 (GANs)', [0.5, 0.999]],
  ['0/0.9 (WGAN-GP)', [0, 0.9]],
];

interface Trained {
  params: Float32Array[];
  moments: Float32Array[];
  slotNames: string[];
}

/** Trains fresh variables for `steps` steps of a fixed nonlinear loss on the current backend. With weight decay
 *  the fused optimizer gets it as its option, and tfjs' Adam gets PyTorch's gradient: grad(loss) + wd * theta. */
function train(fused: boolean, betas: [number, number], steps: number, wd = 0): Trained {
  const rng = new Random(11);
  const tag = `${tf.getBackend()}.${fused}.${wd}`;
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(rng.fillNormal(new Float32Array(s.reduce((a, b) => a * b, 1))), s), true, `fa.${tag}.${i}`));
  const targets = SHAPES.map((s) => tf.tensor(rng.fillNormal(new Float32Array(s.reduce((a, b) => a * b, 1))), s));
  const opt = fused ? adam(3e-2, betas[0], betas[1], 1e-8, wd) : tf.train.adam(3e-2, betas[0], betas[1], 1e-8);
  const loss = () => tf.addN(vars.map((v, i) => tf.sum(tf.mul(tf.square(tf.sub(v, targets[i])), tf.add(1.5, tf.sin(v)))))) as tf.Scalar;
  for (let t = 0; t < steps; t++) {
    if (fused || wd === 0) {
      opt.minimize(loss, false, vars);
      continue;
    }
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, vars);
      opt.applyGradients(vars.map((v) => ({ name: v.name, tensor: tf.add(grads[v.name], tf.mul(v, wd)) })));
    });
  }
  const slots = opt as unknown as { accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[]; accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[] };
  const slotList = [...slots.accumulatedFirstMoment, ...slots.accumulatedSecondMoment];
  const out = {
    params: vars.map((v) => v.dataSync() as Float32Array),
    moments: slotList.map((s) => s.variable.dataSync() as Float32Array),
    slotNames: slotList.map((s) => s.originalName.replace(tag, '*')),
  };
  opt.dispose();
  tf.dispose([...vars, ...targets]);
  return out;
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let d = 0;
  a.forEach((x, i) => x.forEach((v, j) => (d = Math.max(d, Math.abs(v - b[i][j])))));
  return d;
}

describe.each([
  ['cpu', { backend: 'cpu' as const }],
  ['wasm, 1 thread', { backend: 'wasm' as const, threads: 1 }],
  ['wasm, 2 threads (shared memory)', { backend: 'wasm' as const, threads: 2 }],
])('%s', (_name, backend) => {
  beforeAll(async () => {
    await initBackend({ ...backend, quiet: true });
  });

  if (backend.backend === 'wasm') {
    test('the SIMD loop runs here (the backend\'s memory is reachable)', () => {
      expect(wasmAdamUsesSimd(tf.backend() as unknown as BackendWasm)).toBe(true);
    });
  }

  test.each(BETAS)('betas %s: 8 steps equal tf.train.adam bit for bit', (_b, betas) => {
    const ref = train(false, betas, 8);
    const got = train(true, betas, 8);
    expect(maxAbsDiff(got.params, ref.params)).toBe(0);
    expect(maxAbsDiff(got.moments, ref.moments)).toBe(0);
    expect(got.slotNames).toEqual(ref.slotNames);
    // The update moved the parameters (a no-op optimizer would fail here): ~8 lr = 0.24 from the start.
    expect(maxAbsDiff(got.params, train(false, betas, 0).params)).toBeGreaterThan(0.1);
  });

  test.each(BETAS)('betas %s, weight decay 0.3: 8 steps equal tf.train.adam on grad(loss) + wd theta bit for bit', (_b, betas) => {
    const ref = train(false, betas, 8, 0.3);
    const got = train(true, betas, 8, 0.3);
    expect(maxAbsDiff(got.params, ref.params)).toBe(0);
    expect(maxAbsDiff(got.moments, ref.moments)).toBe(0);
    // The decay changed the result (an option that did nothing would fail here).
    expect(maxAbsDiff(got.params, train(true, betas, 8).params)).toBeGreaterThan(1e-3);
  });
});

describe('a backend without the fused kernel (tfjs\' own Adam, as on tensorflow)', () => {
  const NAME = 'cpu-unfused';
  beforeAll(async () => {
    await initBackend({ backend: 'cpu', quiet: true });
    if (!tf.findBackend(NAME)) {
      tf.registerBackend(NAME, () => new MathBackendCPU());
      for (const k of tf.getKernelsForBackend('cpu')) {
        if (k.kernelName !== ADAM_UPDATE) tf.registerKernel({ ...k, backendName: NAME });
      }
    }
    expect(await tf.setBackend(NAME)).toBe(true);
    expect(tf.getBackend()).toBe(NAME);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
    tf.removeBackend(NAME);
  });

  test('weight decay gives tfjs Adam on grad(loss) + wd theta bit for bit', () => {
    expect(tf.getKernel(ADAM_UPDATE, NAME)).toBeUndefined();
    const ref = train(false, [0.9, 0.999], 8, 0.3);
    const got = train(true, [0.9, 0.999], 8, 0.3);
    expect(maxAbsDiff(got.params, ref.params)).toBe(0);
    expect(maxAbsDiff(got.params, train(true, [0.9, 0.999], 8).params)).toBeGreaterThan(1e-3);
  });
});

test('it is a tf.AdamOptimizer (checkpoints save and restore its slots as tfjs Adam\'s)', () => {
  const opt = adam(1e-3);
  expect(opt).toBeInstanceOf(tf.AdamOptimizer);
  expect(opt).toBeInstanceOf(FusedAdamOptimizer);
  opt.dispose();
});

test('a learning rate that is not positive is refused, naming it', () => {
  expect(() => adam(0)).toThrow(/learning rate must be > 0, got 0/);
});

test('a negative or non-finite weight decay is refused, naming it', () => {
  expect(() => adam(1e-3, 0.9, 0.999, 1e-8, -1)).toThrow(/weight decay must be a finite number >= 0, got -1/);
  expect(() => adam(1e-3, 0.9, 0.999, 1e-8, NaN)).toThrow(/weight decay .* got NaN/);
});
