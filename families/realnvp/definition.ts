/**
 * RealNVP (Dinh et al. 2017): K affine coupling layers over a standard normal base, batch-norm free.
 *
 * The definition is pure data, rebuilt from the checkpoint's `config` by training and by export. Coupling k holds
 * a column permutation, a split c_k and a conditioner network (a dense `Stack`, layers `coupling${k}.h0 ..
 * coupling${k}.out`) from the first c_k columns to 2 (D - c_k) outputs: raw log-scales, then shifts.
 *
 * Density direction (x -> z), couplings k = 0..K-1:
 *   h <- h[:, permutation_k]
 *   a = h[:, :c], b = h[:, c:];  (r, t) = net_k(a);  s = B tanh(r / B)       (the bounded log-scale)
 *   h <- [a, b * exp(s) + t];    log|det dz/dx| += sum(s)
 * Sampling direction (z -> x), k = K-1..0: b <- (b - t) * exp(-s) with (r, t) = net_k(a), then the inverse
 * permutation. Both directions are one pass: the conditioner only reads the columns the coupling leaves alone.
 *
 * Alternating masks: every coupling after the first reverses the columns, so the half that conditioned one
 * coupling is transformed by the next (with D even; for odd D the halves swap sizes). The first coupling's
 * permutation picks the first mask: identity for points, a checkerboard for images (the pixels with (row + col)
 * even are the first half), so each pixel is transformed given its four neighbours.
 *
 * Local couplings (config.local, images of even height and width) come before the dense ones in the density
 * direction. Each sees the image squeezed into 2 x 2 blocks, [4, H/2, W/2], whose channels split by checkerboard
 * colour, two and two: it transforms one colour given the other through a small convolutional conditioner (a
 * `kernel` x `kernel` conv to `channels` channels, ReLU, a 1 x 1 conv to raw log-scales and shifts of the two free
 * channels), the colours alternating. Its halves are ordered (channel, block row, block column), so the conditioner's
 * input and output are that grid in channels-first order: a reshape in ONNX, no transpose. A dense conditioner sees
 * the whole image through a few hundred hidden units; a local one sees a 2k x 2k pixel window around each block at
 * a few hundred multiply-adds per block.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { applyStack, initParams, Params, Stack } from '../../training/nets/layers';
import { changeOfVariablesLogProb, standardNormalLogProb } from '../../training/nets/flow';
import { invertPermutation, permuteColumns } from '../maf/maf';

export const REALNVP_KIND = 'realnvp';

export interface RealNvpConfig {
  inputSize: number;
  couplings: number;
  hidden: number;
  /** Hidden layers per conditioner. */
  nHidden: number;
  /** B: log-scales are B tanh(r / B), within (-B, B). */
  logScaleBound: number;
  /** The first coupling's column order: 'identity', or 'checkerboard' (needs `image`). */
  firstMask: 'identity' | 'checkerboard';
  /** Image shape of the data (height, width; one channel), for the checkerboard. */
  image?: { height: number; width: number };
  /** true: couplings 2, 4, .. start with a fixed shuffle of the columns (Random(k).permutation) instead of the
   *  reversal, so later couplings split the pixels other ways than the first checkerboard; absent/false: reverse. */
  shuffle?: boolean;
  /** Local couplings before the dense ones (definition.ts' header); absent: none. */
  local?: { couplings: number; channels: number; kernel: number };
}

export interface Coupling {
  /** Applied first in the density direction: new column i = old column permutation[i]. */
  permutation: number[];
  /** Conditioning columns: the first `split`. */
  split: number;
  net: Stack;
  /** Local couplings: both halves are this grid in (channel, row, column) order, and `net` is a conv stack on it
   *  (NHWC in tfjs), giving raw log-scales then shifts as 2 x channels channels. Absent: a dense conditioner. */
  grid?: { channels: number; height: number; width: number };
}

export interface RealNvpDefinition {
  kind: typeof REALNVP_KIND;
  config: RealNvpConfig;
  inputSize: number;
  logScaleBound: number;
  couplings: Coupling[];
}

function checkerboard(h: number, w: number): number[] {
  const even: number[] = [];
  const odd: number[] = [];
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) ((i + j) % 2 === 0 ? even : odd).push(i * w + j);
  return [...even, ...odd];
}

function conditioner(k: number, nIn: number, nOut: number, hidden: number, nHidden: number): Stack {
  const stack: Stack = [];
  let f = nIn;
  for (let l = 0; l < nHidden; l++) {
    stack.push({ kind: 'dense', name: `coupling${k}.h${l}`, inFeatures: f, units: hidden }, { kind: 'relu' });
    f = hidden;
  }
  stack.push({ kind: 'dense', name: `coupling${k}.out`, inFeatures: f, units: 2 * nOut });
  return stack;
}

/** Pixel indices of the 2 x 2-block squeeze channels q = 2 dy + dx listed, in (channel, block row, block column) order. */
function squeezeCells(h: number, w: number, channels: number[]): number[] {
  const out: number[] = [];
  for (const q of channels) for (let bi = 0; bi < h / 2; bi++) for (let bj = 0; bj < w / 2; bj++) out.push((2 * bi + (q >> 1)) * w + 2 * bj + (q & 1));
  return out;
}

/** Relative permutation taking a row in absolute column order `from` to absolute order `to` (new[i] = old[r[i]]). */
function relativePermutation(from: number[], to: number[]): number[] {
  const pos = invertPermutation(from);
  return to.map((p) => pos[p]);
}

/** The local couplings of config.local and the absolute column order they leave (identity when there are none). */
function localCouplings(config: RealNvpConfig, d: number): { couplings: Coupling[]; order: number[] } {
  const identity = Array.from({ length: d }, (_, i) => i);
  const l = config.local;
  if (l === undefined) return { couplings: [], order: identity };
  const im = config.image;
  if (!im || im.height * im.width !== d || im.height % 2 !== 0 || im.width % 2 !== 0) throw new Error(`RealNVP config: local couplings need image { height, width }, both even, with height x width = inputSize ${d}, got ${JSON.stringify(im)}`);
  const n = posInt('local.couplings', l.couplings, 1);
  const channels = posInt('local.channels', l.channels, 1);
  const kernel = posInt('local.kernel', l.kernel, 1);
  if (kernel % 2 !== 1) throw new Error(`RealNVP config: local.kernel must be odd (a centred 'same' convolution), got ${kernel}`);
  // Squeeze channels 0 (0,0) and 3 (1,1) are one checkerboard colour, 1 (0,1) and 2 (1,0) the other.
  const colours = [squeezeCells(im.height, im.width, [0, 3]), squeezeCells(im.height, im.width, [1, 2])];
  const grid = { channels: 2, height: im.height / 2, width: im.width / 2 };
  const couplings: Coupling[] = [];
  let order = identity;
  for (let k = 0; k < n; k++) {
    const next = [...colours[k % 2], ...colours[(k + 1) % 2]];
    const net: Stack = [
      { kind: 'conv2d', name: `local${k}.h0`, inChannels: 2, filters: channels, kernel, stride: 1, padding: 'same' },
      { kind: 'relu' },
      { kind: 'conv2d', name: `local${k}.out`, inChannels: channels, filters: 4, kernel: 1, stride: 1, padding: 'same' },
    ];
    couplings.push({ permutation: relativePermutation(order, next), split: d / 2, net, grid });
    order = next;
  }
  return { couplings, order };
}

function posInt(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new Error(`RealNVP config: ${field} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

/** Pure: config -> definition (errors name the config field). */
export function realnvpDefinition(config: RealNvpConfig): RealNvpDefinition {
  const d = posInt('inputSize', config.inputSize, 2);
  const k = posInt('couplings', config.couplings, 1);
  const hidden = posInt('hidden', config.hidden, 1);
  const nHidden = posInt('nHidden', config.nHidden, 1);
  const b = config.logScaleBound;
  if (typeof b !== 'number' || !(b > 0) || !Number.isFinite(b)) throw new Error(`RealNVP config: logScaleBound must be a positive number, got ${JSON.stringify(b)}`);
  let first: number[];
  if (config.firstMask === 'identity') first = Array.from({ length: d }, (_, i) => i);
  else if (config.firstMask === 'checkerboard') {
    const im = config.image;
    if (!im || im.height * im.width !== d) throw new Error(`RealNVP config: firstMask 'checkerboard' needs image { height, width } with height x width = inputSize ${d}, got ${JSON.stringify(im)}`);
    first = checkerboard(im.height, im.width);
  } else throw new Error(`RealNVP config: firstMask must be 'identity' or 'checkerboard', got ${JSON.stringify(config.firstMask)}`);
  const reverse = Array.from({ length: d }, (_, i) => d - 1 - i);
  const local = localCouplings(config, d);
  const couplings: Coupling[] = [...local.couplings];
  let split = Math.floor(d / 2);
  for (let i = 0; i < k; i++) {
    const shuffled = config.shuffle === true && i > 0 && i % 2 === 0;
    const permutation = i === 0 ? relativePermutation(local.order, first) : shuffled ? Array.from(new Random(i).permutation(d)) : reverse;
    couplings.push({ permutation, split, net: conditioner(i, split, d - split, hidden, nHidden) });
    split = d - split; // after the reversal the transformed half comes first
  }
  return { kind: REALNVP_KIND, config: { ...config }, inputSize: d, logScaleBound: b, couplings };
}

/** Every learnable layer, coupling by coupling (the order of the parameters and of the checkpoint). */
export function realnvpStack(def: RealNvpDefinition): Stack {
  return def.couplings.flatMap((c) => c.net);
}

/** PyTorch's default init for the hidden layers and zero output layers: every coupling starts as the identity. */
export function initRealNvpParams(def: RealNvpDefinition, rng: Random): Params {
  const params = initParams(realnvpStack(def), rng);
  for (const c of def.couplings) {
    const out = c.net[c.net.length - 1];
    if (out.kind !== 'dense' && out.kind !== 'conv2d') throw new Error('RealNVP: a conditioner must end in a dense or conv layer');
    for (const name of [`${out.name}.kernel`, `${out.name}.bias`]) {
      const v = params.get(name)!;
      v.assign(tf.zerosLike(v));
    }
  }
  return params;
}

function isIdentity(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

function checkInput(def: RealNvpDefinition, x: tf.Tensor, what: string): void {
  if (x.rank !== 2 || x.shape[1] !== def.inputSize) throw new Error(`RealNVP: ${what} must be [N, ${def.inputSize}], got [${x.shape}]`);
}

/** The bounded log-scale s [N, D-c] and the shift t [N, D-c] of coupling `c` given its conditioning columns a. */
export function couplingParams(def: RealNvpDefinition, c: Coupling, params: Params, a: tf.Tensor2D): { s: tf.Tensor2D; t: tf.Tensor2D } {
  const m = def.inputSize - c.split;
  const n = a.shape[0];
  const gr = c.grid;
  const o = gr
    ? tf.reshape(tf.transpose(applyStack(c.net, params, tf.transpose(tf.reshape(a, [n, gr.channels, gr.height, gr.width]), [0, 2, 3, 1]), { training: true }), [0, 3, 1, 2]), [n, 2 * m])
    : applyStack(c.net, params, a, { training: true });
  const r = tf.slice(o, [0, 0], [-1, m]);
  const t = tf.slice(o, [0, m], [-1, m]) as tf.Tensor2D;
  const b = def.logScaleBound;
  return { s: tf.mul(tf.tanh(tf.div(r, b)), b) as tf.Tensor2D, t };
}

/**
 * Density direction x -> z. logDet = log|det dz/dx| per example [N]; `keepS` (when given) receives each
 * coupling's s (for the float64 reference, which sums on the host).
 */
export function realnvpInverse(def: RealNvpDefinition, params: Params, x: tf.Tensor2D, keepS?: tf.Tensor2D[]): { z: tf.Tensor2D; logDet: tf.Tensor1D } {
  checkInput(def, x, 'x');
  let h = x;
  let logDet = tf.zeros([x.shape[0]]) as tf.Tensor1D;
  for (const c of def.couplings) {
    if (!isIdentity(c.permutation)) h = permuteColumns(h, c.permutation);
    const a = tf.slice(h, [0, 0], [-1, c.split]) as tf.Tensor2D;
    const bIn = tf.slice(h, [0, c.split], [-1, def.inputSize - c.split]);
    const { s, t } = couplingParams(def, c, params, a);
    keepS?.push(s);
    h = tf.concat([a, tf.add(tf.mul(bIn, tf.exp(s)), t)], 1) as tf.Tensor2D;
    logDet = tf.add(logDet, tf.sum(s, 1)) as tf.Tensor1D;
  }
  return { z: h, logDet };
}

/** Sampling direction z -> x; logDet = log|det dx/dz| per example [N]. */
export function realnvpForward(def: RealNvpDefinition, params: Params, z: tf.Tensor2D): { x: tf.Tensor2D; logDet: tf.Tensor1D } {
  checkInput(def, z, 'z');
  return tf.tidy(() => {
    let h = z;
    let logDet = tf.zeros([z.shape[0]]) as tf.Tensor1D;
    for (let k = def.couplings.length - 1; k >= 0; k--) {
      const c = def.couplings[k];
      const a = tf.slice(h, [0, 0], [-1, c.split]) as tf.Tensor2D;
      const y = tf.slice(h, [0, c.split], [-1, def.inputSize - c.split]);
      const { s, t } = couplingParams(def, c, params, a);
      h = tf.concat([a, tf.mul(tf.sub(y, t), tf.exp(tf.neg(s)))], 1) as tf.Tensor2D;
      logDet = tf.sub(logDet, tf.sum(s, 1)) as tf.Tensor1D;
      if (!isIdentity(c.permutation)) h = permuteColumns(h, invertPermutation(c.permutation));
    }
    return { x: h, logDet };
  });
}

/** log p(x) per example [N] (nats, in the coordinates the model was trained on). */
export function realnvpLogProb(def: RealNvpDefinition, params: Params, x: tf.Tensor2D): tf.Tensor1D {
  return changeOfVariablesLogProb(x, (v) => realnvpInverse(def, params, v), standardNormalLogProb);
}

/** The latent noise of `realnvpSample`: n x D standard normals from Random(seed), row-major (runtimes draw the same). */
export function realnvpLatent(def: RealNvpDefinition, n: number, seed: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`RealNVP sample: n must be a positive integer, got ${n}`);
  return new Random(seed).fillNormal(new Float32Array(n * def.inputSize));
}

/** n samples [n, D] from seeded standard-normal noise pushed through the sampling direction. */
export function realnvpSample(def: RealNvpDefinition, params: Params, n: number, seed: number): tf.Tensor2D {
  const z = realnvpLatent(def, n, seed);
  return tf.tidy(() => realnvpForward(def, params, tf.tensor2d(z, [n, def.inputSize])).x);
}

/** log p(x) of many rows ([N*D] row-major) in batches. */
export async function realnvpLogProbRows(def: RealNvpDefinition, params: Params, rows: Float32Array, batch = 1000): Promise<Float32Array> {
  const d = def.inputSize;
  if (rows.length % d !== 0) throw new Error(`realnvpLogProbRows: length ${rows.length} is not a multiple of D = ${d}`);
  const n = rows.length / d;
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const lp = tf.tidy(() => realnvpLogProb(def, params, tf.tensor2d(rows.subarray(s * d, (s + m) * d), [m, d])));
    try {
      out.set((await lp.data()) as Float32Array, s);
    } finally {
      lp.dispose();
    }
  }
  return out;
}

/** The definition stored in a realnvp checkpoint's config ({ realnvp: RealNvpConfig, data, train }). */
export function realnvpDefinitionFromRunConfig(config: unknown): RealNvpDefinition {
  const c = (config as { realnvp?: RealNvpConfig } | null)?.realnvp;
  if (!c || typeof c !== 'object') throw new Error(`RealNVP checkpoint config: expected { realnvp: { inputSize, couplings, hidden, nHidden, logScaleBound, firstMask } }, got ${JSON.stringify(config)?.slice(0, 200)}`);
  return realnvpDefinition(c);
}
