/**
 * Lowers a whole `Stack` (training/nets/layers.ts), after planning the rewrites that need to see neighbours:
 * batch norms folded into the dense/conv right before them, and dense layers that emit their features in the
 * CHW order a following reshape-to-image needs (so the image path is NCHW with no Transpose).
 */
import { LayerSpec, Stack } from '../../training/nets/layers';
import { DataType } from '../onnx/proto';
import { Dim } from '../onnx/graph-builder';
import { loweringFor } from './registry';
import { vecInTfOrder } from './reshape';
import { ExportError, LayerPlan, LowerContext, Value, chwPerm, describeLayer } from './types';

const FEATUREWISE = new Set<string>(['relu', 'leakyRelu', 'sigmoid', 'tanh', 'softBound', 'batchNorm']);

export function planStack(stack: Stack): { plan: LayerPlan; folded: boolean }[] {
  const out = stack.map(() => ({ plan: {} as LayerPlan, folded: false }));
  stack.forEach((layer, i) => {
    const next = stack[i + 1];
    if ((layer.kind === 'dense' || layer.kind === 'maskedDense' || layer.kind === 'conv2d') && next?.kind === 'batchNorm') {
      out[i].plan.foldBn = next;
      out[i + 1].folded = true;
    }
    if (layer.kind === 'dense' || layer.kind === 'maskedDense') {
      let j = i + 1;
      while (j < stack.length && FEATUREWISE.has(stack[j].kind)) j++;
      const target = stack[j];
      if (target?.kind === 'reshape' && target.shape.length === 3 && target.shape[2] > 1) {
        out[i].plan.outPerm = chwPerm(target.shape[0], target.shape[1], target.shape[2]);
      }
    }
  });
  return out;
}

/** Lowers `stack` applied to `x`; `from` skips layers a caller has already lowered itself (planning sees them all). */
export function lowerStack(ctx: LowerContext, stack: Stack, x: Value, from = 0): Value {
  if (!Array.isArray(stack)) throw new ExportError(`model "${ctx.model}": expected a stack (array of layer specs)`);
  const plans = planStack(stack);
  let y = x;
  stack.forEach((layer: LayerSpec, i) => {
    const lower = loweringFor(layer, i, ctx.model);
    if (plans[i].folded || i < from) return;
    try {
      y = lower(ctx, layer, y, plans[i].plan);
    } catch (e) {
      if (e instanceof ExportError) throw new ExportError(`${e.message} [at ${describeLayer(layer, i)}]`);
      throw e;
    }
  });
  return y;
}

/** A graph input for a stack whose tfjs input per example is `shape` ([F] or [H, W, C]); images come in NCHW. */
export function stackInput(ctx: LowerContext, name: string, shape: number[], batch: Dim = 'N'): Value {
  if (shape.length === 1) return { layout: 'vec', name: ctx.g.input(name, DataType.FLOAT, [batch, shape[0]]), features: shape[0] };
  if (shape.length === 3) {
    const [h, w, c] = shape;
    return { layout: 'nchw', name: ctx.g.input(name, DataType.FLOAT, [batch, c, h, w]), h, w, c };
  }
  throw new ExportError(`model "${ctx.model}": input "${name}" of shape [${shape}] is not supported (only [F] and [H, W, C])`);
}

/** The value in its exported form: vectors [N, F] in tfjs feature order, images [N, C, H, W]. */
export function onnxShape(v: Value, batch: Dim = 'N'): Dim[] {
  return v.layout === 'vec' ? [batch, v.features] : [batch, v.c, v.h, v.w];
}

export function stackOutput(ctx: LowerContext, name: string, v: Value, batch: Dim = 'N'): Dim[] {
  const out = v.layout === 'vec' ? vecInTfOrder(ctx, v) : v;
  const shape = onnxShape(out, batch);
  ctx.g.output(name, out.name, DataType.FLOAT, shape);
  return shape;
}
