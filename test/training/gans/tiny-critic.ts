/**
 * A tiny critic with the discriminator's layer kinds (conv 4x4 stride 2 padding 1, LeakyReLU, flatten, dense), and
 * an independent float64 plain-JS evaluation of it, so the project's gradient penalty (tfjs autodiff, float32) can
 * be compared with finite differences that share no code with it.
 *
 * The critic is piecewise linear in its input, so a central difference in x is exact (up to rounding) as long as
 * no pre-activation changes sign within the step; `minAbsPreactivation` lets a test check that.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../../runtime/core/random';
import { applyStack, initParams, Params, Stack } from '../../../training/nets/layers';

export const TINY = { h: 6, w: 6, c: 1, filters: 3, hidden: 8, leak: 0.1 } as const;

export function tinyCriticStack(): Stack {
  const oh = TINY.h / 2, ow = TINY.w / 2;
  return [
    { kind: 'conv2d', name: 'tc.conv', inChannels: TINY.c, filters: TINY.filters, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: TINY.leak },
    { kind: 'reshape', shape: [oh * ow * TINY.filters] },
    { kind: 'dense', name: 'tc.fc', inFeatures: oh * ow * TINY.filters, units: TINY.hidden },
    { kind: 'leakyRelu', alpha: TINY.leak },
    { kind: 'dense', name: 'tc.out', inFeatures: TINY.hidden, units: 1 },
  ];
}

/** Fresh parameters with a wider spread than the default init (so the input gradients are of order 1). */
export function tinyCriticParams(seed: number, scale = 3): Params {
  const params = initParams(tinyCriticStack(), new Random(seed));
  for (const v of params.values()) v.assign(tf.mul(v, scale));
  return params;
}

export function tinyCritic(params: Params): (x: tf.Tensor) => tf.Tensor1D {
  return (x) => tf.reshape(applyStack(tinyCriticStack(), params, x, { training: true }), [-1]);
}

/** The parameters as float64 arrays, by name. */
export type Weights = Record<string, Float64Array>;

export function readWeights(params: Params): Weights {
  const w: Weights = {};
  for (const [name, v] of params) w[name] = Float64Array.from(v.dataSync());
  return w;
}

const leaky = (v: number) => (v > 0 ? v : TINY.leak * v);

/** Critic value of one image x (HWC, length h*w*c) in float64; `pre` collects every pre-activation when given. */
export function criticF64(w: Weights, x: Float64Array, pre?: number[]): number {
  const { h, w: width, c, filters, hidden } = TINY;
  const oh = h / 2, ow = width / 2, k = 4, s = 2, p = 1;
  const kern = w['tc.conv.kernel'], cb = w['tc.conv.bias'];
  const feat = new Float64Array(oh * ow * filters);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      for (let f = 0; f < filters; f++) {
        let acc = cb[f];
        for (let ky = 0; ky < k; ky++) {
          const iy = oy * s - p + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < k; kx++) {
            const ix = ox * s - p + kx;
            if (ix < 0 || ix >= width) continue;
            for (let ci = 0; ci < c; ci++) acc += x[(iy * width + ix) * c + ci] * kern[((ky * k + kx) * c + ci) * filters + f];
          }
        }
        pre?.push(acc);
        feat[(oy * ow + ox) * filters + f] = leaky(acc);
      }
    }
  }
  const fk = w['tc.fc.kernel'], fb = w['tc.fc.bias'], ok = w['tc.out.kernel'], ob = w['tc.out.bias'];
  let out = ob[0];
  for (let j = 0; j < hidden; j++) {
    let acc = fb[j];
    for (let i = 0; i < feat.length; i++) acc += feat[i] * fk[i * hidden + j];
    pre?.push(acc);
    out += leaky(acc) * ok[j];
  }
  return out;
}

/** ||grad_x D(x)||_2 by central differences (exact up to rounding for a piecewise-linear critic away from its kinks). */
export function gradNormF64(w: Weights, x: Float64Array, eps = 1e-5): number {
  let sq = 0;
  const xp = Float64Array.from(x), xm = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    xp[i] = x[i] + eps;
    xm[i] = x[i] - eps;
    const g = (criticF64(w, xp) - criticF64(w, xm)) / (2 * eps);
    sq += g * g;
    xp[i] = x[i];
    xm[i] = x[i];
  }
  return Math.sqrt(sq);
}

/** mean_i (||grad D(xhat_i)|| - 1)^2 with xhat_i = alpha_i * fake_i + (1 - alpha_i) * real_i, in float64. */
export function penaltyF64(w: Weights, real: Float64Array, fake: Float64Array, alpha: Float64Array): number {
  const d = TINY.h * TINY.w * TINY.c;
  let acc = 0;
  for (let n = 0; n < alpha.length; n++) {
    const xhat = new Float64Array(d);
    for (let i = 0; i < d; i++) xhat[i] = alpha[n] * fake[n * d + i] + (1 - alpha[n]) * real[n * d + i];
    acc += (gradNormF64(w, xhat) - 1) ** 2;
  }
  return acc / alpha.length;
}

/** The smallest |pre-activation| over the interpolates: finite differences are exact if steps stay below it. */
export function minAbsPreactivation(w: Weights, real: Float64Array, fake: Float64Array, alpha: Float64Array): number {
  const d = TINY.h * TINY.w * TINY.c;
  let m = Infinity;
  for (let n = 0; n < alpha.length; n++) {
    const xhat = new Float64Array(d);
    for (let i = 0; i < d; i++) xhat[i] = alpha[n] * fake[n * d + i] + (1 - alpha[n]) * real[n * d + i];
    const pre: number[] = [];
    criticF64(w, xhat, pre);
    for (const v of pre) m = Math.min(m, Math.abs(v));
  }
  return m;
}
