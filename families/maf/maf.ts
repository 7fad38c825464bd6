/**
 * Masked Autoregressive Flow (Papamakarios et al. 2017): nFlows x [MADE, reverse permutation] over a standard
 * normal base.
 *
 * The definition (`mafDefinition`) is pure data, rebuilt from the checkpoint's `config` by training and by export:
 * per flow a MADE (degrees + `Stack`, output split documented in made.ts: mu = columns 0..D-1, alpha = D..2D-1)
 * and the column permutation that follows it.
 *
 * Density direction (x -> z), flows in order k = 0..K-1:
 *   h <- (h - mu_k(h)) * exp(-alpha_k(h))          (one MADE pass)
 *   h <- h[:, permutation_k]                        (new column i is old column permutation_k[i])
 * Sampling direction (z -> x), flows in reverse order k = K-1..0:
 *   h <- h[:, inverse(permutation_k)]
 *   h <- MADE_k forward, D sequential steps (made.ts `madeForward`)
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { initParams, Params, Stack } from '../../training/nets/layers';
import { changeOfVariablesLogProb, standardNormalLogProb } from '../../training/nets/flow';
import { MadeDefinition, madeDefinition, madeForward, madeInverse } from './made';

export interface MafConfig {
  inputSize: number;
  hiddenSize: number;
  /** Hidden layers per MADE. */
  nHidden: number;
  nFlows: number;
  /** Input ordering of every MADE: 'sequential' (default) or 'random' (flow k uses seed + k). */
  ordering?: 'sequential' | 'random';
  seed?: number;
  /** Every MADE's log-scale bound (made.ts MadeConfig.logScaleBound); absent: unbounded. */
  logScaleBound?: number;
  /** Every MADE's conditioner bound (made.ts MadeConfig.conditionerBound); absent: the network reads x. */
  conditionerBound?: number;
}

export interface MafFlow {
  made: MadeDefinition;
  /** Applied after the MADE in the density direction: new column i = old column permutation[i]. */
  permutation: number[];
}

export interface MafDefinition {
  kind: 'maf';
  config: MafConfig;
  inputSize: number;
  flows: MafFlow[];
}

/** Pure: config -> definition. MADE k's layers are named `flow${k}.h0 ..`, `flow${k}.out`. */
export function mafDefinition(config: MafConfig): MafDefinition {
  const { inputSize, nFlows } = config;
  if (!Number.isInteger(nFlows) || nFlows < 1) throw new Error(`MAF config: nFlows must be an integer >= 1, got ${JSON.stringify(nFlows)}`);
  if (config.ordering === 'random' && config.seed === undefined) throw new Error(`MAF config: ordering 'random' needs a seed`);
  const flows: MafFlow[] = [];
  for (let k = 0; k < nFlows; k++) {
    const made = madeDefinition(
      {
        inputSize,
        hiddenSize: config.hiddenSize,
        nHidden: config.nHidden,
        ordering: config.ordering,
        seed: config.seed === undefined ? undefined : config.seed + k,
        ...(config.logScaleBound === undefined ? {} : { logScaleBound: config.logScaleBound }),
        ...(config.conditionerBound === undefined ? {} : { conditionerBound: config.conditionerBound }),
      },
      `flow${k}`,
    );
    flows.push({ made, permutation: Array.from({ length: inputSize }, (_, i) => inputSize - 1 - i) });
  }
  return { kind: 'maf', config: { ...config }, inputSize, flows };
}

/** Every learnable layer of the MAF, flow by flow (the order of `initMafParams` and of the checkpoint). */
export function mafStack(def: MafDefinition): Stack {
  return def.flows.flatMap((f) => f.made.stack);
}

export function initMafParams(def: MafDefinition, rng: Random): Params {
  return initParams(mafStack(def), rng);
}

/**
 * Zeroes every MADE's output layer, so each flow starts as the identity (mu = 0, alpha = 0). With PyTorch's
 * default init on high-dimensional, wide-range inputs (logit pixels reach +-13.8) the random alphas of K stacked
 * flows multiply the scale by exp(sum of alphas) and overflow float32 before the first step; a zero last layer
 * is the usual cure (as in Glow's zero-initialised coupling outputs). The hidden layers keep their random init.
 */
export function mafIdentityInit(def: MafDefinition, params: Params): void {
  for (const flow of def.flows) {
    const out = flow.made.stack[flow.made.stack.length - 1];
    if (out.kind !== 'maskedDense') throw new Error(`mafIdentityInit: the last layer of a MADE must be maskedDense, got ${out.kind}`);
    for (const name of [`${out.name}.kernel`, `${out.name}.bias`]) {
      const v = params.get(name);
      if (!v) throw new Error(`mafIdentityInit: missing parameter ${name}`);
      v.assign(tf.zerosLike(v));
    }
  }
}

export function invertPermutation(p: number[]): number[] {
  const inv = new Array<number>(p.length).fill(-1);
  p.forEach((src, i) => {
    if (!Number.isInteger(src) || src < 0 || src >= p.length || inv[src] !== -1) throw new Error(`not a permutation of 0..${p.length - 1}: ${JSON.stringify(p)}`);
    inv[src] = i;
  });
  return inv;
}

/**
 * x[:, perm]. A general permutation is a gather with an explicit gradient (a gather by the inverse permutation):
 * the wasm backend has no UnsortedSegmentSum, which tfjs' generic gather gradient needs.
 */
export function permuteColumns(x: tf.Tensor2D, perm: number[]): tf.Tensor2D {
  if (x.shape[1] !== perm.length) throw new Error(`permuteColumns: x has ${x.shape[1]} columns, permutation has ${perm.length}`);
  // The reversal (every permutation mafDefinition makes) has a cheaper kernel than a gather, and its own gradient.
  if (perm.every((p, i) => p === perm.length - 1 - i)) return tf.reverse(x, 1);
  const inv = invertPermutation(perm);
  const op = tf.customGrad((...args) => ({
    value: tf.gather(args[0] as tf.Tensor, tf.tensor1d(perm, 'int32'), 1),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.gather(dy as tf.Tensor, tf.tensor1d(inv, 'int32'), 1),
  }));
  return op(x) as tf.Tensor2D;
}

function checkInput(def: MafDefinition, x: tf.Tensor, what: string): void {
  if (x.rank !== 2 || x.shape[1] !== def.inputSize) throw new Error(`MAF: ${what} must be [N, ${def.inputSize}], got [${x.shape}]`);
}

/** Density direction x -> z; logDet = log|det dz/dx| per example, [N]. */
export function mafInverse(def: MafDefinition, params: Params, x: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
  checkInput(def, x, 'x');
  return tf.tidy(() => {
    let h = x;
    let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
    for (const flow of def.flows) {
      const r = madeInverse(flow.made, params, h);
      logDet = tf.add(logDet, r.logDet) as tf.Tensor1D;
      h = permuteColumns(r.z, flow.permutation);
    }
    return { z: h, logDet };
  });
}

/** Sampling direction z -> x; logDet = log|det dx/dz| per example, [N]. */
export function mafForward(def: MafDefinition, params: Params, z: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
  checkInput(def, z, 'z');
  return tf.tidy(() => {
    let h = z;
    let logDet = tf.zeros([z.shape[0]]) as tf.Tensor1D;
    for (let k = def.flows.length - 1; k >= 0; k--) {
      const flow = def.flows[k];
      const r = madeForward(flow.made, params, permuteColumns(h, invertPermutation(flow.permutation)));
      logDet = tf.add(logDet, r.logDet) as tf.Tensor1D;
      h = r.x;
    }
    return { x: h, logDet };
  });
}

/** log p(x) per example, [N] (nats, in the coordinates the model was trained on). */
export function mafLogProb(def: MafDefinition, params: Params, x: tf.Tensor2D): tf.Tensor1D {
  return changeOfVariablesLogProb(x, (v) => mafInverse(def, params, v), standardNormalLogProb);
}

/** Mean log p(x) over the batch: the training objective (negated). */
export function mafMeanLogProb(def: MafDefinition, params: Params, x: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(mafLogProb(def, params, x)) as tf.Scalar);
}

/** The latent noise of `mafSample`: n x D standard normals from Random(seed), row-major (runtimes draw the same). */
export function mafLatent(def: MafDefinition, n: number, seed: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`MAF sample: n must be a positive integer, got ${n}`);
  return new Random(seed).fillNormal(new Float32Array(n * def.inputSize));
}

/** n samples [n, D] from seeded standard-normal noise pushed through the sampling direction. */
export function mafSample(def: MafDefinition, params: Params, n: number, seed: number): tf.Tensor2D {
  const z = mafLatent(def, n, seed);
  return tf.tidy(() => mafForward(def, params, tf.tensor2d(z, [n, def.inputSize])).x);
}

/** log p(x) of many rows ([N*D] row-major) in batches, without holding the whole set as one tensor. (Asynchronous
 *  reads: the webgpu backend has no synchronous one in Node.) */
export async function mafLogProbRows(def: MafDefinition, params: Params, rows: Float32Array, batch = 1000): Promise<Float32Array> {
  const d = def.inputSize;
  if (rows.length % d !== 0) throw new Error(`mafLogProbRows: length ${rows.length} is not a multiple of D = ${d}`);
  const n = rows.length / d;
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const lp = tf.tidy(() => mafLogProb(def, params, tf.tensor2d(rows.subarray(s * d, (s + m) * d), [m, d])));
    try {
      out.set((await lp.data()) as Float32Array, s);
    } finally {
      lp.dispose();
    }
  }
  return out;
}
