/**
 * What a lowering of a tfjs-layers layer sees (the `dgm convert` path). A layer kind the project's own LayerSpecs have
 * too (Dense, Conv, BatchNormalization, the activations, Reshape/Flatten) is lowered by the one function one folder
 * up that the LayerSpec path calls (denseOp, convOp, batchNormOp, activationOp, reshapeOp); the files here read and
 * check the tfjs-layers config, and lower the kinds only tfjs-layers has.
 *
 * Layout: a tfjs tensor is channels-last ([N, H, W, C], [N, T, F]); ONNX's Conv, pooling and Resize want channels
 * first and its RNN operators want time first. A `TValue` therefore carries its tfjs shape and the order its axes are
 * stored in (`perm`: stored axis i holds tfjs axis perm[i], batch = axis 0). A lowering asks for the order it needs
 * (`inLayout`), which emits one Transpose only when the stored order differs, and returns its result in whatever
 * order it produced: a conv stack stays NCHW and stacked RNNs stay time-major without a Transpose between layers.
 */
import { Dim, GraphBuilder, attr } from '../../onnx/graph-builder';
import { DataType, DataTypeCode } from '../../onnx/proto';

export type ElemType = 'float32' | 'int32' | 'int64';

export interface TValue {
  name: string;
  /** The tfjs shape of one example (no batch axis). */
  shape: number[];
  /** Stored axis i is tfjs axis perm[i] (length shape.length + 1; identity: channels-last as tfjs). */
  perm: number[];
  dtype: ElemType;
}

/** A weight of a tfjs layer, as read from the loaded model. */
export interface LayerWeight {
  shape: number[];
  data: Float32Array;
}

/** The part of a tfjs-layers Layer a lowering reads (kept structural so lowerings need no tfjs import). */
export interface LayerLike {
  name: string;
  getClassName(): string;
  getConfig(): Record<string, unknown>;
}

export interface ConvertContext {
  g: GraphBuilder;
  opset: number;
  /** The batch dimension of every value: 'N' (symbolic) or a fixed size. */
  batch: Dim;
  /** The layer's weights by their short name (kernel, bias, gamma, moving_mean, ...). */
  weights(layer: LayerLike): Map<string, LayerWeight>;
  /** Transposes already emitted, keyed by value and order, so a value needed twice in one order is moved once. */
  moved: Map<string, string>;
}

export type LayerLowering = (ctx: ConvertContext, layer: LayerLike, inputs: TValue[]) => TValue[];

/** An unsupported layer, option or model; names the layer's class, its name and the option. */
export class ConvertError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConvertError';
  }
}

export function layerWhere(layer: LayerLike): string {
  return `${layer.getClassName()} layer "${layer.name}"`;
}

export function unsupported(layer: LayerLike, option: string, value: unknown, supported: string): ConvertError {
  return new ConvertError(`${layerWhere(layer)}: option ${option} = ${JSON.stringify(value)} is not supported (supported: ${supported})`);
}

/** A config field, checked against the values a lowering implements. */
export function option<T>(layer: LayerLike, key: string, allowed: readonly T[] | ((v: T) => boolean), supported?: string): T {
  const v = layer.getConfig()[key] as T;
  const ok = typeof allowed === 'function' ? allowed(v) : allowed.some((a) => JSON.stringify(a) === JSON.stringify(v));
  if (!ok) throw unsupported(layer, key, v, supported ?? (allowed as readonly T[]).map((a) => JSON.stringify(a)).join(', '));
  return v;
}

export function weight(ctx: ConvertContext, layer: LayerLike, key: string, shape: number[]): LayerWeight {
  const w = ctx.weights(layer).get(key);
  if (!w) throw new ConvertError(`${layerWhere(layer)}: weight "${key}" is missing (has: ${[...ctx.weights(layer).keys()].join(', ') || 'none'})`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new ConvertError(`${layerWhere(layer)}: weight "${key}" has shape [${w.shape}], expected [${shape}]`);
  }
  return w;
}

export function optionalWeight(ctx: ConvertContext, layer: LayerLike, key: string, shape: number[]): LayerWeight | undefined {
  return ctx.weights(layer).has(key) ? weight(ctx, layer, key, shape) : undefined;
}

export const identityPerm = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);
/** Channels first: [0, last, 1, ..., last - 1]. */
export const channelsFirst = (rank: number): number[] => (rank < 3 ? identityPerm(rank) : [0, rank - 1, ...identityPerm(rank - 2).map((i) => i + 1)]);
/** Time first ([T, N, F] for tfjs [N, T, F]). */
export const timeFirst = (rank: number): number[] => [1, 0, ...identityPerm(rank - 2).map((i) => i + 2)];

export function isIdentityPerm(p: number[]): boolean {
  return p.every((v, i) => v === i);
}

export function samePerm(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The stored dims (ONNX shape) of a value. */
export function storedDims(ctx: ConvertContext, v: TValue): Dim[] {
  return v.perm.map((a) => (a === 0 ? ctx.batch : v.shape[a - 1]));
}

/** Stored axis of tfjs axis `axis` (negative counts from the end, as tfjs does; 0 is the batch). */
export function storedAxis(layer: LayerLike, v: TValue, axis: number): number {
  const rank = v.shape.length + 1;
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ConvertError(`${layerWhere(layer)}: axis ${axis} is out of range for an input of rank ${rank}`);
  return v.perm.indexOf(a);
}

/** `v` stored in order `perm` (one Transpose, or none when it already is). */
export function inLayout(ctx: ConvertContext, v: TValue, perm: number[]): TValue {
  if (samePerm(v.perm, perm)) return v;
  const key = `${v.name}|${perm.join(',')}`;
  let name = ctx.moved.get(key);
  if (!name) {
    // stored now: axis i holds tfjs perm_v[i]; wanted: axis j holds tfjs perm[j] = perm_v[t[j]].
    const t = perm.map((a) => v.perm.indexOf(a));
    name = ctx.g.op('Transpose', [v.name], { perm: attr.ints(t) }, `${v.name}.T`);
    ctx.moved.set(key, name);
  }
  return { ...v, name, perm: [...perm] };
}

/** `v` in tfjs's own channels-last order. */
export function tfOrder(ctx: ConvertContext, v: TValue): TValue {
  return inLayout(ctx, v, identityPerm(v.shape.length + 1));
}

export const onnxType = (t: ElemType): DataTypeCode => (t === 'float32' ? DataType.FLOAT : t === 'int32' ? DataType.INT32 : DataType.INT64);

/** A per-channel vector reshaped to broadcast along stored axis `axis` of a value of stored rank `rank`. */
export function broadcastDims(length: number, rank: number, axis: number): number[] {
  return Array.from({ length: rank - axis }, (_, i) => (i === 0 ? length : 1));
}

export function requireFloat(layer: LayerLike, v: TValue): void {
  if (v.dtype !== 'float32') throw new ConvertError(`${layerWhere(layer)}: needs a float32 input, got ${v.dtype}`);
}

export function requireRank(layer: LayerLike, v: TValue, ranks: number[]): void {
  const r = v.shape.length + 1;
  if (!ranks.includes(r)) throw new ConvertError(`${layerWhere(layer)}: input of rank ${r} ([N, ${v.shape}]) is not supported (expects rank ${ranks.join(' or ')})`);
}

export function one(layer: LayerLike, inputs: TValue[]): TValue {
  if (inputs.length !== 1) throw new ConvertError(`${layerWhere(layer)}: expects one input, got ${inputs.length}`);
  return inputs[0];
}

/** A number or a per-axis tuple from a config (poolSize: 2 or [2, 2]). */
export function tuple(layer: LayerLike, key: string, n: number): number[] {
  const v = layer.getConfig()[key];
  const arr = typeof v === 'number' ? Array(n).fill(v) : Array.isArray(v) ? (v as number[]) : undefined;
  if (!arr || arr.length !== n || arr.some((x) => !Number.isInteger(x) || x < 0)) throw unsupported(layer, key, v, `an integer or ${n} integers`);
  return arr;
}
