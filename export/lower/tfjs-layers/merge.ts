/**
 * Merge layers. Inputs are brought to the first input's stored order (usually all of them already share it), so
 * a residual Add or a skip Concatenate inside a conv stack stays channels-first.
 */
import { attr } from '../../onnx/graph-builder';
import { ConvertContext, ConvertError, LayerLike, LayerLowering, TValue, inLayout, layerWhere, requireFloat, storedAxis, tfOrder } from './types';

function aligned(ctx: ConvertContext, layer: LayerLike, inputs: TValue[], sameShape: boolean): TValue[] {
  if (inputs.length < 2) throw new ConvertError(`${layerWhere(layer)}: expects at least 2 inputs, got ${inputs.length}`);
  const first = inputs[0];
  return inputs.map((v) => {
    if (v.shape.length !== first.shape.length || (sameShape && v.shape.some((d, i) => d !== first.shape[i]))) {
      throw new ConvertError(`${layerWhere(layer)}: inputs of shapes ${inputs.map((u) => `[N, ${u.shape}]`).join(', ')} (only equal shapes are supported)`);
    }
    requireFloat(layer, v);
    return inLayout(ctx, v, first.perm);
  });
}

function elementwise(op: 'Sum' | 'Mul' | 'Max' | 'Min'): LayerLowering {
  return (ctx, layer, inputs) => {
    const xs = aligned(ctx, layer, inputs, true);
    return [{ ...xs[0], name: ctx.g.op(op, xs.map((x) => x.name), {}, layer.name) }];
  };
}

export const lowerAdd = elementwise('Sum');
export const lowerMultiply = elementwise('Mul');
export const lowerMaximum = elementwise('Max');
export const lowerMinimum = elementwise('Min');

/** tfjs adds the inputs, then multiplies by 1 / n. */
export const lowerAverage: LayerLowering = (ctx, layer, inputs) => {
  const xs = aligned(ctx, layer, inputs, true);
  const s = ctx.g.op('Sum', xs.map((x) => x.name), {}, `${layer.name}.sum`);
  return [{ ...xs[0], name: ctx.g.op('Mul', [s, ctx.g.floatScalar(1 / xs.length)], {}, layer.name) }];
};

export const lowerConcatenate: LayerLowering = (ctx, layer, inputs) => {
  const xs = aligned(ctx, layer, inputs, false);
  const axis = (layer.getConfig().axis as number | undefined) ?? -1;
  const rank = xs[0].shape.length + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 1 || a >= rank) throw new ConvertError(`${layerWhere(layer)}: axis ${axis} is not a feature axis of rank-${rank} inputs`);
  xs.forEach((x) => {
    if (x.shape.some((d, i) => i !== a - 1 && d !== xs[0].shape[i])) throw new ConvertError(`${layerWhere(layer)}: inputs ${xs.map((u) => `[N, ${u.shape}]`).join(', ')} differ off axis ${axis}`);
  });
  const shape = [...xs[0].shape];
  shape[a - 1] = xs.reduce((t, x) => t + x.shape[a - 1], 0);
  const y = ctx.g.op('Concat', xs.map((x) => x.name), { axis: attr.int(storedAxis(layer, xs[0], a)) }, layer.name);
  return [{ ...xs[0], name: y, shape }];
};

/** x / sqrt(max(sum(x^2, axis), 1e-7)), as tfjs-layers' l2Normalize. */
function l2Normalize(ctx: ConvertContext, hint: string, x: TValue, axis: number): string {
  const sq = ctx.g.op('Mul', [x.name, x.name], {}, `${hint}.sq`);
  const ss = ctx.g.op('ReduceSum', [sq, ctx.g.int64s([axis])], { keepdims: attr.int(1) }, `${hint}.sumsq`);
  const norm = ctx.g.op('Sqrt', [ctx.g.op('Max', [ss, ctx.g.floatScalar(1e-7)], {}, `${hint}.clamp`)], {}, `${hint}.norm`);
  return ctx.g.op('Div', [x.name, norm], {}, `${hint}.unit`);
}

/** Dot of two [N, F] inputs (-> [N, 1]) or two [N, A, B] inputs (batched matrix product over the chosen axes). */
export const lowerDot: LayerLowering = (ctx, layer, inputs) => {
  if (inputs.length !== 2) throw new ConvertError(`${layerWhere(layer)}: expects exactly 2 inputs, got ${inputs.length}`);
  const [x0, y0] = inputs.map((v) => tfOrder(ctx, v));
  requireFloat(layer, x0);
  requireFloat(layer, y0);
  const rank = x0.shape.length + 1;
  if (rank !== y0.shape.length + 1 || (rank !== 2 && rank !== 3)) throw new ConvertError(`${layerWhere(layer)}: inputs [N, ${x0.shape}] and [N, ${y0.shape}]: only two rank-2 or two rank-3 inputs are supported`);
  const ax = layer.getConfig().axes as number | number[];
  const [a1, a2] = (Array.isArray(ax) ? ax : [ax, ax]).map((a) => (a < 0 ? a + rank : a));
  if (x0.shape[a1 - 1] !== y0.shape[a2 - 1]) throw new ConvertError(`${layerWhere(layer)}: axes ${JSON.stringify(ax)} have sizes ${x0.shape[a1 - 1]} and ${y0.shape[a2 - 1]}`);
  const normalize = layer.getConfig().normalize === true;
  const xn = normalize ? l2Normalize(ctx, `${layer.name}.x`, x0, a1) : x0.name;
  const yn = normalize ? l2Normalize(ctx, `${layer.name}.y`, y0, a2) : y0.name;
  if (rank === 2) {
    const p = ctx.g.op('Mul', [xn, yn], {}, `${layer.name}.mul`);
    return [{ name: ctx.g.op('ReduceSum', [p, ctx.g.int64s([1])], { keepdims: attr.int(1) }, layer.name), shape: [1], perm: [0, 1], dtype: 'float32' }];
  }
  // [N, rest_x, k] x [N, k, rest_y]
  const xm = a1 === 2 ? xn : ctx.g.op('Transpose', [xn], { perm: attr.ints([0, 2, 1]) }, `${layer.name}.xT`);
  const ym = a2 === 1 ? yn : ctx.g.op('Transpose', [yn], { perm: attr.ints([0, 2, 1]) }, `${layer.name}.yT`);
  const shape = [x0.shape[2 - a1], y0.shape[2 - a2]];
  return [{ name: ctx.g.op('MatMul', [xm, ym], {}, layer.name), shape, perm: [0, 1, 2], dtype: 'float32' }];
};
