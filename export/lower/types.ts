/**
 * What a layer lowering sees: the graph under construction, the model's weights, and the value it transforms.
 *
 * Layout: tfjs images are NHWC; ONNX Conv is NCHW. The exported image path runs in NCHW throughout (weights are
 * permuted at export time, no Transpose in the graph), so a `Value` carries both its tfjs shape and how it is
 * stored. Vectors may be stored with their features permuted (`perm`), which is how a dense -> reshape(H,W,C)
 * lands directly in NCHW order, and how a flatten of an NCHW image feeds a dense without a Transpose: the dense
 * permutes its kernel rows or columns instead.
 */
import { LayerSpec } from '../../training/nets/layers';
import { GraphBuilder } from '../onnx/graph-builder';

/** A named float32 tensor of a trained model (from a checkpoint or a tfjs Params map). */
export interface Weight {
  shape: number[];
  data: Float32Array;
}
export type WeightMap = Map<string, Weight>;

export type Value =
  /** [N, F] where stored feature i is tfjs feature perm[i] (perm absent: identity). */
  | { layout: 'vec'; name: string; features: number; perm?: Int32Array }
  /** tfjs [N, H, W, C], stored as [N, C, H, W]. */
  | { layout: 'nchw'; name: string; h: number; w: number; c: number };

export interface LowerContext {
  g: GraphBuilder;
  weights: WeightMap;
  /** The model being exported, named in every error. */
  model: string;
  /** Prefix for initializer names (e.g. 'generator.'), so two stacks of one model never clash. */
  prefix: string;
}

/** Decisions made by looking at a layer's neighbours (see stack.ts). */
export interface LayerPlan {
  /** An inference-mode batch norm that directly follows this dense/conv layer, folded into its weights. */
  foldBn?: Extract<LayerSpec, { kind: 'batchNorm' }>;
  /** Store this dense layer's outputs permuted (stored j = tfjs perm[j]) so a later reshape needs no Transpose. */
  outPerm?: Int32Array;
}

export type Lowering<K extends LayerSpec['kind']> = (
  ctx: LowerContext,
  layer: Extract<LayerSpec, { kind: K }>,
  x: Value,
  plan: LayerPlan,
) => Value;

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

export function describeLayer(layer: { kind: string; name?: unknown }, index: number): string {
  return typeof layer.name === 'string' ? `layer ${index} "${layer.name}" (${layer.kind})` : `layer ${index} (${layer.kind})`;
}

export function getWeight(ctx: LowerContext, name: string, shape: number[]): Weight {
  const w = ctx.weights.get(name);
  if (!w) throw new ExportError(`model "${ctx.model}": weight ${name} is missing from the checkpoint`);
  if (w.shape.length !== shape.length || w.shape.some((d, i) => d !== shape[i])) {
    throw new ExportError(`model "${ctx.model}": weight ${name} has shape [${w.shape}], the layer expects [${shape}]`);
  }
  return w;
}

/** Stored index s = c*H*W + h*W + w (NCHW flatten) -> tfjs index (h*W + w)*C + c (NHWC flatten). */
export function chwPerm(h: number, w: number, c: number): Int32Array {
  const p = new Int32Array(h * w * c);
  for (let ci = 0; ci < c; ci++) for (let hi = 0; hi < h; hi++) for (let wi = 0; wi < w; wi++) p[ci * h * w + hi * w + wi] = (hi * w + wi) * c + ci;
  return p;
}

export function isIdentity(perm: Int32Array | undefined): boolean {
  return !perm || perm.every((v, i) => v === i);
}

export function samePerm(a: Int32Array | undefined, b: Int32Array | undefined): boolean {
  if (isIdentity(a) && isIdentity(b)) return true;
  if (!a || !b || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}
