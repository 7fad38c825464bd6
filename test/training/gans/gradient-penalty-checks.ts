/**
 * The gradient-penalty checks, written once and run on each backend (cpu in gradient-penalty.test.ts, wasm, the
 * training backend, in second-order-wasm.test.ts): the penalty's value against a float64 finite-difference
 * evaluation, and its gradient with respect to the critic's parameters (a gradient of a gradient) against nested
 * finite differences of that evaluation.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { gradientPenalty } from '../../../families/gan/gan-losses';
import { trainable } from '../../../training/nets/layers';
import { minAbsPreactivation, penaltyF64, readWeights, TINY, tinyCritic, tinyCriticParams } from './tiny-critic';

export interface PenaltyCase {
  real: Float32Array;
  fake: Float32Array;
  alpha: Float32Array;
}

export function penaltyCase(seed: number, n = 4): PenaltyCase {
  const rng = new Random(seed, 7);
  const d = TINY.h * TINY.w * TINY.c;
  return {
    real: rng.fillUniform(new Float32Array(n * d), -1, 1),
    fake: rng.fillUniform(new Float32Array(n * d), -1, 1),
    alpha: Float32Array.from({ length: n }, (_, i) => (i + 0.5) / n),
  };
}

function tensors(c: PenaltyCase) {
  const n = c.alpha.length;
  const shape = [n, TINY.h, TINY.w, TINY.c];
  return { real: tf.tensor(c.real, shape), fake: tf.tensor(c.fake, shape), alpha: tf.tensor1d(c.alpha) };
}

/** The project's penalty (tfjs, current backend) and the float64 finite-difference one on the same critic. */
export function penaltyValues(seed: number): { project: number; reference: number; minPre: number } {
  const params = tinyCriticParams(seed);
  const c = penaltyCase(seed);
  const t = tensors(c);
  const project = tf.tidy(() => gradientPenalty(tinyCritic(params), t.real, t.fake, t.alpha).dataSync()[0]);
  const w = readWeights(params);
  const f64 = (a: Float32Array) => Float64Array.from(a);
  const reference = penaltyF64(w, f64(c.real), f64(c.fake), f64(c.alpha));
  const minPre = minAbsPreactivation(w, f64(c.real), f64(c.fake), f64(c.alpha));
  tf.dispose([t.real, t.fake, t.alpha, ...params.values()]);
  return { project, reference, minPre };
}

/**
 * d penalty / d theta for every critic parameter: tfjs autodiff through tf.grad inside tf.variableGrads (second
 * order) vs central differences in theta of the float64 penalty (itself central differences in x).
 */
export function penaltyParamGradients(seed: number, eps = 1e-4): { name: string; project: Float32Array; reference: Float64Array }[] {
  const params = tinyCriticParams(seed);
  const c = penaltyCase(seed);
  const t = tensors(c);
  const { grads } = tf.variableGrads(() => gradientPenalty(tinyCritic(params), t.real, t.fake, t.alpha), trainable(params));
  const f64 = (a: Float32Array) => Float64Array.from(a);
  const real = f64(c.real), fake = f64(c.fake), alpha = f64(c.alpha);
  const w = readWeights(params);
  const out: { name: string; project: Float32Array; reference: Float64Array }[] = [];
  for (const [name, v] of params) {
    const ref = new Float64Array(v.size);
    const base = w[name];
    for (let i = 0; i < base.length; i++) {
      const keep = base[i];
      base[i] = keep + eps;
      const up = penaltyF64(w, real, fake, alpha);
      base[i] = keep - eps;
      const down = penaltyF64(w, real, fake, alpha);
      base[i] = keep;
      ref[i] = (up - down) / (2 * eps);
    }
    // Biases never enter grad_x D of a piecewise-linear net, so autodiff may report no gradient for them at all.
    const g = grads[name];
    out.push({ name, project: g ? Float32Array.from(g.dataSync()) : new Float32Array(v.size), reference: ref });
  }
  tf.dispose([t.real, t.fake, t.alpha, ...Object.values(grads), ...params.values()]);
  return out;
}
