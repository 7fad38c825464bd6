/**
 * SimpleRNN, LSTM, GRU -> ONNX RNN / LSTM / GRU on time-major input ([T, N, F], stored so: stacked recurrent layers
 * do not transpose between them), and the Bidirectional wrapper -> one bidirectional operator whose two directions
 * are merged as tfjs merges them (concat, sum, mul, ave, or two outputs).
 *
 * Gate order: tfjs's kernels are [F, G * H] with LSTM gates i, f, c, o and GRU gates z, r, h; ONNX's W is
 * [dirs, G * H, F] with LSTM gates i, o, f, c and GRU z, r, h. tfjs's GRU resets before the recurrent product
 * (linear_before_reset = 0). Its bias goes to ONNX's input bias, the recurrent bias is zero. The activations keep
 * ONNX's defaults for HardSigmoid (0.2, 0.5), tfjs's hardSigmoid; activation_alpha is written only with an Affine
 * (tfjs's linear), see ACTIVATION_PARAMS.
 */
import { concatFloat32 } from '../../weights';
import { attr } from '../../onnx/graph-builder';
import { ConvertContext, ConvertError, LayerLike, LayerLowering, TValue, identityPerm, inLayout, layerWhere, one, option, requireFloat, requireRank, timeFirst, unsupported, weight } from './types';

type Cell = 'SimpleRNN' | 'LSTM' | 'GRU';
const GATES: Record<Cell, { n: number; tfjsBlockOfOnnx: number[]; op: string }> = {
  SimpleRNN: { n: 1, tfjsBlockOfOnnx: [0], op: 'RNN' },
  LSTM: { n: 4, tfjsBlockOfOnnx: [0, 3, 1, 2], op: 'LSTM' },
  GRU: { n: 3, tfjsBlockOfOnnx: [0, 1, 2], op: 'GRU' },
};

export const RNN_ACTIVATIONS: Record<string, string> = { tanh: 'Tanh', sigmoid: 'Sigmoid', hardSigmoid: 'HardSigmoid', relu: 'Relu', linear: 'Affine', softsign: 'Softsign', softplus: 'Softplus', elu: 'Elu' };

/**
 * ONNX's defaults (alpha, beta) of the RNN activations that take them. Without activation_alpha onnxruntime's Affine
 * is not the identity (the SimpleRNN linear case differed from tfjs by 6.9), so with an Affine in the list every
 * function's values are written, consumed in order by the functions that take them.
 */
const ACTIVATION_PARAMS: Record<string, { alpha?: number; beta?: number }> = { Affine: { alpha: 1, beta: 0 }, HardSigmoid: { alpha: 0.2, beta: 0.5 }, Elu: { alpha: 1 } };

function activationParams(activations: string[]): { activation_alpha?: ReturnType<typeof attr.floats>; activation_beta?: ReturnType<typeof attr.floats> } {
  if (!activations.includes('Affine')) return {};
  const alpha = activations.flatMap((a) => (ACTIVATION_PARAMS[a]?.alpha === undefined ? [] : [ACTIVATION_PARAMS[a].alpha!]));
  const beta = activations.flatMap((a) => (ACTIVATION_PARAMS[a]?.beta === undefined ? [] : [ACTIVATION_PARAMS[a].beta!]));
  return { activation_alpha: attr.floats(alpha), ...(beta.length ? { activation_beta: attr.floats(beta) } : {}) };
}

function rnnActivation(layer: LayerLike, key: string): string {
  const v = layer.getConfig()[key] ?? 'linear';
  const a = RNN_ACTIVATIONS[v as string];
  if (!a) throw unsupported(layer, key, v, Object.keys(RNN_ACTIVATIONS).join(', '));
  return a;
}

interface Direction {
  w: Float32Array; // [G * H, F]
  r: Float32Array; // [G * H, H]
  b: Float32Array; // [2 * G * H]
  activations: string[];
}

function cellOf(layer: LayerLike): Cell {
  const c = layer.getClassName();
  if (c !== 'SimpleRNN' && c !== 'LSTM' && c !== 'GRU') throw new ConvertError(`${layerWhere(layer)}: Bidirectional wraps a ${c}; supported: SimpleRNN, LSTM, GRU`);
  return c;
}

function checkOptions(layer: LayerLike): void {
  option(layer, 'stateful', [undefined, false], 'false');
  if (layer.getClassName() === 'GRU') option(layer, 'resetAfter', [undefined, null, false], 'false');
}

function direction(ctx: ConvertContext, layer: LayerLike, features: number): Direction {
  const cell = cellOf(layer);
  checkOptions(layer);
  const { n, tfjsBlockOfOnnx } = GATES[cell];
  const h = layer.getConfig().units as number;
  const kernel = weight(ctx, layer, 'kernel', [features, n * h]).data;
  const rec = weight(ctx, layer, 'recurrent_kernel', [h, n * h]).data;
  const bias = layer.getConfig().useBias === false ? new Float32Array(n * h) : weight(ctx, layer, 'bias', [n * h]).data;
  const w = new Float32Array(n * h * features);
  const r = new Float32Array(n * h * h);
  const b = new Float32Array(2 * n * h);
  for (let g = 0; g < n; g++) {
    const src = tfjsBlockOfOnnx[g] * h;
    for (let j = 0; j < h; j++) {
      const row = g * h + j;
      for (let k = 0; k < features; k++) w[row * features + k] = kernel[k * n * h + src + j];
      for (let k = 0; k < h; k++) r[row * h + k] = rec[k * n * h + src + j];
      b[row] = bias[src + j];
    }
  }
  const act = rnnActivation(layer, 'activation');
  const activations = cell === 'SimpleRNN' ? [act] : [rnnActivation(layer, 'recurrentActivation'), act, ...(cell === 'LSTM' ? [act] : [])];
  return { w, r, b, activations };
}


/** Runs the ONNX operator; returns Y [T, D, N, H], Y_h [D, N, H] (and Y_c for LSTM). */
function runOp(ctx: ConvertContext, hint: string, cell: Cell, x: TValue, dirs: Direction[], hidden: number, dir: 'forward' | 'reverse' | 'bidirectional'): string[] {
  const { n, op } = GATES[cell];
  const f = x.shape[1];
  const d = dirs.length;
  const W = ctx.g.weight(`${hint}.W`, concatFloat32(dirs.map((s) => s.w)), [d, n * hidden, f]);
  const R = ctx.g.weight(`${hint}.R`, concatFloat32(dirs.map((s) => s.r)), [d, n * hidden, hidden]);
  const B = ctx.g.weight(`${hint}.B`, concatFloat32(dirs.map((s) => s.b)), [d, 2 * n * hidden]);
  const activations = dirs.flatMap((s) => s.activations);
  const attrs = {
    hidden_size: attr.int(hidden),
    direction: attr.string(dir),
    activations: attr.strings(activations),
    ...(cell === 'GRU' ? { linear_before_reset: attr.int(0) } : {}),
    ...activationParams(activations),
  };
  return ctx.g.opN(op, [x.name, W, R, B], cell === 'LSTM' ? 3 : 2, attrs, hint);
}

function timeMajorInput(ctx: ConvertContext, layer: LayerLike, inputs: TValue[]): TValue {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  requireRank(layer, x, [3]);
  return inLayout(ctx, x, timeFirst(3));
}

/** Y [T, D, N, H] -> direction k as [T, N, H] (stored time-major). */
function sequenceOf(ctx: ConvertContext, hint: string, y: string, k: number, dirs: number, t: number, hidden: number): TValue {
  const name = dirs === 1 ? ctx.g.op('Squeeze', [y, ctx.g.int64s([1])], {}, hint) : ctx.g.op('Gather', [y, ctx.g.int64Scalar(k)], { axis: attr.int(1) }, hint);
  return { name, shape: [t, hidden], perm: timeFirst(3), dtype: 'float32' };
}

/** Y_h / Y_c [D, N, H] -> direction k as [N, H]. */
function stateOf(ctx: ConvertContext, hint: string, s: string, k: number): string {
  return ctx.g.op('Gather', [s, ctx.g.int64Scalar(k)], { axis: attr.int(0) }, hint);
}

/** A sequence in reverse time order (tfjs returns goBackwards sequences as processed; ONNX aligns them in time). */
function reverseTime(ctx: ConvertContext, hint: string, v: TValue): TValue {
  const t = v.shape[0];
  return { ...v, name: ctx.g.op('Slice', [v.name, ctx.g.int64s([t - 1]), ctx.g.int64s([Number.MIN_SAFE_INTEGER]), ctx.g.int64s([0]), ctx.g.int64s([-1])], {}, hint) };
}

export const lowerRecurrent: LayerLowering = (ctx, layer, inputs) => {
  const cell = cellOf(layer);
  const x = timeMajorInput(ctx, layer, inputs);
  const cfg = layer.getConfig();
  const hidden = cfg.units as number;
  const back = cfg.goBackwards === true;
  const outs = runOp(ctx, layer.name, cell, x, [direction(ctx, layer, x.shape[1])], hidden, back ? 'reverse' : 'forward');
  const t = x.shape[0];
  let out: TValue;
  if (cfg.returnSequences === true) {
    out = sequenceOf(ctx, `${layer.name}.seq`, outs[0], 0, 1, t, hidden);
    if (back) out = reverseTime(ctx, `${layer.name}.seq_rev`, out);
  } else {
    out = { name: stateOf(ctx, `${layer.name}.last`, outs[1], 0), shape: [hidden], perm: identityPerm(2), dtype: 'float32' };
  }
  if (cfg.returnState !== true) return [out];
  const states = outs.slice(1).map((s, i) => ({ name: stateOf(ctx, `${layer.name}.state${i}`, s, 0), shape: [hidden], perm: identityPerm(2), dtype: 'float32' as const }));
  return [out, ...states];
};

interface WrapperLike extends LayerLike {
  forwardLayer: LayerLike;
  backwardLayer: LayerLike;
}

export const lowerBidirectional: LayerLowering = (ctx, layer, inputs) => {
  const wrapper = layer as WrapperLike;
  const fwd = wrapper.forwardLayer;
  const bwd = wrapper.backwardLayer;
  if (!fwd || !bwd) throw new ConvertError(`${layerWhere(layer)}: the wrapped layers are not readable`);
  const cell = cellOf(fwd);
  if (cellOf(bwd) !== cell) throw new ConvertError(`${layerWhere(layer)}: forward ${cell} and backward ${bwd.getClassName()} differ`);
  const fc = fwd.getConfig();
  const bc = bwd.getConfig();
  if (fc.goBackwards === true || bc.goBackwards !== true) throw unsupported(fwd, 'goBackwards', fc.goBackwards, 'false on the layer Bidirectional wraps');
  if (fc.returnState === true) throw unsupported(fwd, 'returnState', true, 'false inside Bidirectional');
  if (fc.units !== bc.units || fc.returnSequences !== bc.returnSequences) throw new ConvertError(`${layerWhere(layer)}: forward and backward layers differ in units or returnSequences`);
  const merge = option<string | null | undefined>(layer, 'mergeMode', ['concat', 'sum', 'mul', 'ave', null, undefined]);
  const x = timeMajorInput(ctx, layer, inputs);
  const hidden = fc.units as number;
  const dirs = [direction(ctx, fwd, x.shape[1]), direction(ctx, bwd, x.shape[1])];
  const outs = runOp(ctx, layer.name, cell, x, dirs, hidden, 'bidirectional');
  const t = x.shape[0];
  const halves: TValue[] =
    fc.returnSequences === true
      ? [0, 1].map((k) => sequenceOf(ctx, `${layer.name}.${k ? 'backward' : 'forward'}`, outs[0], k, 2, t, hidden))
      : [0, 1].map((k) => ({ name: stateOf(ctx, `${layer.name}.${k ? 'backward' : 'forward'}`, outs[1], k), shape: [hidden], perm: identityPerm(2), dtype: 'float32' as const }));
  const [a, b] = halves;
  const last = a.perm.length - 1;
  switch (merge) {
    case null:
      return halves;
    case 'sum':
      return [{ ...a, name: ctx.g.op('Add', [a.name, b.name], {}, layer.name) }];
    case 'mul':
      return [{ ...a, name: ctx.g.op('Mul', [a.name, b.name], {}, layer.name) }];
    case 'ave':
      return [{ ...a, name: ctx.g.op('Mul', [ctx.g.op('Add', [a.name, b.name], {}, `${layer.name}.sum`), ctx.g.floatScalar(0.5)], {}, layer.name) }];
    default:
      return [{ ...a, name: ctx.g.op('Concat', [a.name, b.name], { axis: attr.int(last) }, layer.name), shape: [...a.shape.slice(0, -1), 2 * hidden] }];
  }
};
