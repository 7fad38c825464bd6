/**
 * MADE (Germain et al. 2015) as a Gaussian autoregressive layer: one masked MLP maps x: [N, D] to the shift mu and
 * log-scale alpha of every dimension, with output i depending only on inputs of lower degree.
 *
 * The definition (`madeDefinition`) is pure data: the degrees and a layers.ts `Stack` of `maskedDense` + `relu`
 * specs. Training applies it here with tfjs; export folds each mask into its kernel and lowers the same stack.
 *
 * Degrees follow the PyTorch course reference (shared/tools/torch_reference.py): inputs get a permutation of
 * 0..D-1 (the identity for the sequential ordering), hidden unit k gets k mod (D-1), hidden layers connect with
 * `>=`, and the output layer connects with strict `>` using the input degrees (the reference's
 * `arange(D) - 1` with `>=` is the same mask). The output layer repeats the D degrees twice.
 *
 * Output layout of the stack ([N, 2D]): columns 0..D-1 are mu, columns D..2D-1 are alpha; both are indexed like
 * the input columns (not by degree).
 *
 * Directions (the MAF convention):
 *   density   x -> z: z_i = (x_i - mu_i(x)) * exp(-alpha_i(x)), one pass, log|det dz/dx| = -sum_i alpha_i
 *   sampling  z -> x: x_i = mu_i(x_<i) + z_i * exp(alpha_i(x_<i)), D sequential steps (one degree per step),
 *             log|det dx/dz| = +sum_i alpha_i
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { applyStack, LayerSpec, maskTensor, Params, Stack } from './layers';

const NO_PARAMS: Params = new Map();

export interface MadeConfig {
  /** D, the number of dimensions (>= 2). */
  inputSize: number;
  /** Units per hidden layer. */
  hiddenSize: number;
  /** Number of hidden layers (0 gives a masked linear map). */
  nHidden: number;
  /** 'sequential' (default): input i has degree i. 'random': a permutation drawn from `seed`. */
  ordering?: 'sequential' | 'random';
  /** Seed of the random ordering (ignored for 'sequential'). */
  seed?: number;
  /**
   * B > 0: the log-scale is alpha = B tanh(a / B) of the network's output a, so |alpha| <= B in training, density
   * and sampling alike (absent: alpha = a). An unbounded alpha lets a sampled row run away (docs/maf-fmnist.md).
   */
  logScaleBound?: number;
  /**
   * S > 0: the masked network reads S tanh(x / S) instead of x, so mu and alpha are bounded functions of the
   * conditioning inputs and a value far off the data (an outlier pixel, an intermediate of a runaway row) cannot
   * drive the conditionals of later dimensions into linear extrapolation (absent: the network reads x). The affine
   * step itself still uses x, so the flow stays exactly invertible with log|det| = -sum alpha.
   */
  conditionerBound?: number;
}

export interface MadeDefinition {
  inputSize: number;
  /** See MadeConfig.logScaleBound. */
  logScaleBound?: number;
  /** See MadeConfig.conditionerBound. */
  conditionerBound?: number;
  /** Degree of each input column, a permutation of 0..D-1: output i sees input j iff degrees[j] < degrees[i]. */
  degrees: number[];
  /** [N, D] -> [N, 2D]: mu in columns 0..D-1, alpha in columns D..2D-1. */
  stack: Stack;
}

function checkPositiveInt(name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new Error(`MADE config: ${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The input degrees of a MADE: identity for 'sequential', a seeded permutation for 'random'. */
export function madeInputDegrees(cfg: MadeConfig): number[] {
  const d = cfg.inputSize;
  const ordering = cfg.ordering ?? 'sequential';
  if (ordering === 'sequential') return Array.from({ length: d }, (_, i) => i);
  if (ordering === 'random') {
    if (cfg.seed === undefined) throw new Error(`MADE config: ordering 'random' needs a seed`);
    return Array.from(new Random(cfg.seed, 7).permutation(d));
  }
  throw new Error(`MADE config: ordering must be 'sequential' or 'random', got ${JSON.stringify(ordering)}`);
}

/** Pure: config -> degrees and layer specs. Layer names are `${prefix}.h0 .. h{nHidden-1}` and `${prefix}.out`. */
export function madeDefinition(cfg: MadeConfig, prefix = 'made'): MadeDefinition {
  const d = checkPositiveInt('inputSize', cfg.inputSize, 2);
  const h = checkPositiveInt('hiddenSize', cfg.hiddenSize, 1);
  const nHidden = checkPositiveInt('nHidden', cfg.nHidden, 0);
  const degrees = madeInputDegrees(cfg);
  // With D = 2 every hidden unit has degree 0: it sees x_0 only, and feeds the outputs of dimension 1.
  const hiddenDegrees = Array.from({ length: h }, (_, k) => k % (d - 1));
  const stack: Stack = [];
  let prev = degrees;
  for (let l = 0; l < nHidden; l++) {
    stack.push({ kind: 'maskedDense', name: `${prefix}.h${l}`, inDegrees: prev, outDegrees: hiddenDegrees, strict: false });
    stack.push({ kind: 'relu' });
    prev = hiddenDegrees;
  }
  stack.push({ kind: 'maskedDense', name: `${prefix}.out`, inDegrees: prev, outDegrees: [...degrees, ...degrees], strict: true });
  const made: MadeDefinition = { inputSize: d, degrees, stack };
  if (cfg.logScaleBound !== undefined) {
    if (!(typeof cfg.logScaleBound === 'number' && Number.isFinite(cfg.logScaleBound) && cfg.logScaleBound > 0)) {
      throw new Error(`MADE config: logScaleBound must be a positive number, got ${JSON.stringify(cfg.logScaleBound)}`);
    }
    made.logScaleBound = cfg.logScaleBound;
  }
  if (cfg.conditionerBound !== undefined) {
    if (!(typeof cfg.conditionerBound === 'number' && Number.isFinite(cfg.conditionerBound) && cfg.conditionerBound > 0)) {
      throw new Error(`MADE config: conditionerBound must be a positive number, got ${JSON.stringify(cfg.conditionerBound)}`);
    }
    made.conditionerBound = cfg.conditionerBound;
  }
  return made;
}

/**
 * What the masked network reads: S tanh(x / S) with a conditioner bound S (elementwise, any shape). This and
 * logScaleStack are the bounds' one definition: training applies the stacks (conditionerInput, boundLogScale) and
 * export lowers them (export/graphs/maf-made-pass.ts) like any other layers.ts stack. Each is empty without its bound.
 */
export function conditionerStack(made: Pick<MadeDefinition, 'conditionerBound'>): Stack {
  return made.conditionerBound === undefined ? [] : [{ kind: 'softBound', bound: made.conditionerBound }];
}

/** The log-scale from the network's alpha columns: B tanh(a / B) with a log-scale bound B. */
export function logScaleStack(made: Pick<MadeDefinition, 'logScaleBound'>): Stack {
  return made.logScaleBound === undefined ? [] : [{ kind: 'softBound', bound: made.logScaleBound }];
}

/** What the masked network reads: conditionerStack applied to x (x itself without a conditioner bound). */
export function conditionerInput<T extends tf.Tensor>(made: Pick<MadeDefinition, 'conditionerBound'>, x: T): T {
  return applyStack(conditionerStack(made), NO_PARAMS, x, { training: false }) as T;
}

/** The log-scale from the network's alpha columns: logScaleStack applied to a (a itself without a bound). */
export function boundLogScale(made: Pick<MadeDefinition, 'logScaleBound'>, a: tf.Tensor2D): tf.Tensor2D {
  return applyStack(logScaleStack(made), NO_PARAMS, a, { training: false }) as tf.Tensor2D;
}

/**
 * How many inputs no output of the MADE can see: hidden degrees are k mod (D-1), so with fewer than D-1 hidden units
 * the degrees stop at H-1 and inputs of degree H..D-2 reach nothing (degree D-1 never conditions anything anyway).
 * At D = 784 and H = 256 that is 527 of the 784 pixels: each pixel's conditional would see only the first 256.
 */
export function madeUnseenInputs(cfg: Pick<MadeConfig, 'inputSize' | 'hiddenSize' | 'nHidden'>): number {
  if (cfg.nHidden === 0) return 0;
  return cfg.inputSize - 1 - Math.min(cfg.hiddenSize, cfg.inputSize - 1);
}

/** mu, alpha: [N, D] each, from one pass of the masked network. */
export function madeParams(made: MadeDefinition, params: Params, x: tf.Tensor2D): { mu: tf.Tensor2D; alpha: tf.Tensor2D } {
  const out = applyStack(made.stack, params, conditionerInput(made, x), { training: false }) as tf.Tensor2D;
  const [mu, a] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
  return { mu, alpha: boundLogScale(made, a) };
}

/** Density direction x -> z in one pass; logDet = log|det dz/dx| = -sum_i alpha_i, shape [N]. */
export function madeInverse(made: MadeDefinition, params: Params, x: tf.Tensor2D): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
  return tf.tidy(() => {
    const { mu, alpha } = madeParams(made, params, x);
    const z = tf.mul(tf.sub(x, mu), tf.exp(tf.neg(alpha))) as tf.Tensor2D;
    return { z, logDet: tf.neg(tf.sum(alpha, 1)) as tf.Tensor1D };
  });
}

/**
 * Sampling direction z -> x: step t (t = 0..D-1) sets the dimension of degree t from the network's output on the
 * dimensions already set. logDet = log|det dx/dz| = +sum_i alpha_i, shape [N].
 *
 * Incremental, not D full passes: setting dimension i changes the first layer's pre-activation by the rank-1 term
 * x_i * W0m[i, :] (the first product is linear in x), and step t reads only the two output columns of its own
 * dimension (mu_i, alpha_i). So a step costs O(N·H) for the first layer and the output instead of a whole pass,
 * O(N·D·H); layers between them (nHidden >= 2) still run whole. The arithmetic is that of the full pass in another
 * order of summation: a dimension that is not yet set contributes nothing, as the zero it would be in a full pass.
 */
export function madeForward(made: MadeDefinition, params: Params, z: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
  const [n, d] = z.shape;
  if (z.rank !== 2 || d !== made.inputSize) throw new Error(`madeForward: z must be [N, ${made.inputSize}], got [${z.shape}]`);
  const { stack, params: masked } = premasked(made, params);
  const first = stack[0] as Extract<LayerSpec, { kind: 'dense' }>;
  const last = stack[stack.length - 1] as Extract<LayerSpec, { kind: 'dense' }>;
  // Between the first product and the output product: [relu, dense, relu, ...]; with nHidden = 0 the first layer is
  // the output layer and there is nothing between.
  const middle = stack.length > 1 ? stack.slice(1, -1) : null;
  const w0 = masked.get(`${first.name}.kernel`)! as tf.Tensor2D;
  const order = new Array<number>(d);
  made.degrees.forEach((g, i) => (order[g] = i));
  const state = tf.tidy(() => ({
    // With no dimension set the first layer's pre-activation is its bias.
    pre: tf.tile(tf.reshape(params.get(`${first.name}.bias`)!, [1, -1]), [n, 1]) as tf.Tensor2D,
    // Output kernel and bias as [2, D, H] / [2, D]: the (mu_i, alpha_i) pair of dimension i is one slice.
    outPairs: tf.reshape(tf.transpose(masked.get(`${last.name}.kernel`)!), [2, d, -1]) as tf.Tensor3D,
    biasPairs: tf.reshape(params.get(`${last.name}.bias`)!, [2, d]) as tf.Tensor2D,
    logDet: tf.zeros([n, 1]) as tf.Tensor2D,
  }));
  const hidden = state.outPairs.shape[2];
  const cols = new Array<tf.Tensor2D>(d);
  let { pre, logDet } = state;
  for (let t = 0; t < d; t++) {
    const i = order[t];
    const next = tf.tidy(() => {
      let pair: tf.Tensor2D;
      if (middle === null) {
        pair = tf.concat([tf.slice(pre, [0, i], [n, 1]), tf.slice(pre, [0, d + i], [n, 1])], 1);
      } else {
        const h = applyStack(middle, masked, pre, { training: false }) as tf.Tensor2D;
        const w = tf.reshape(tf.slice(state.outPairs, [0, i, 0], [2, 1, hidden]), [2, hidden]);
        pair = tf.add(tf.matMul(h, w, false, true), tf.reshape(tf.slice(state.biasPairs, [0, i], [2, 1]), [1, 2]));
      }
      const [mu, a] = tf.split(pair, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const alpha = boundLogScale(made, a);
      const xi = tf.add(mu, tf.mul(tf.slice(z, [0, i], [n, 1]), tf.exp(alpha))) as tf.Tensor2D;
      return {
        xi,
        // The outer product c(x_i) (x) W0m[i, :] as a product with one term: exact, and fast on every backend.
        pre: tf.add(pre, tf.matMul(conditionerInput(made, xi), tf.slice(w0, [i, 0], [1, w0.shape[1]]))) as tf.Tensor2D,
        logDet: tf.add(logDet, alpha) as tf.Tensor2D,
      };
    });
    pre.dispose();
    logDet.dispose();
    cols[i] = next.xi;
    pre = next.pre;
    logDet = next.logDet;
  }
  const x = tf.concat(cols, 1) as tf.Tensor2D;
  const logDetN = tf.reshape(logDet, [n]) as tf.Tensor1D;
  tf.dispose([...cols, pre, logDet, state.outPairs, state.biasPairs]);
  for (const l of made.stack) if (l.kind === 'maskedDense') masked.get(`${l.name}.kernel`)!.dispose();
  return { x, logDet: logDetN };
}

/** The MADE's stack with each masked layer as a plain dense layer over its masked kernel (new tensors, which the
 *  caller disposes; biases are the variables themselves). */
function premasked(made: MadeDefinition, params: Params): { stack: Stack; params: Params } {
  const out: Params = new Map(params);
  const stack: Stack = made.stack.map((l) => {
    if (l.kind !== 'maskedDense') return l;
    const w = tf.mul(params.get(`${l.name}.kernel`)!, maskTensor(l));
    out.set(`${l.name}.kernel`, w as tf.Variable);
    return { kind: 'dense', name: l.name, inFeatures: l.inDegrees.length, units: l.outDegrees.length };
  });
  return { stack, params: out };
}
