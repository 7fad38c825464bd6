/**
 * Dense -> Gemm on [N, F]; on a higher-rank input (tfjs applies the kernel to the last axis) MatMul + Add, in any
 * stored order that keeps the features last (time-major sequences stay time-major).
 */
import { denseOp } from '../dense';
import { layerActivation } from './activations';
import { LayerLowering, one, requireFloat, tfOrder, weight } from './types';

export const lowerDense: LayerLowering = (ctx, layer, inputs) => {
  let x = one(layer, inputs);
  requireFloat(layer, x);
  const cfg = layer.getConfig();
  const units = cfg.units as number;
  const nIn = x.shape[x.shape.length - 1];
  const kernel = weight(ctx, layer, 'kernel', [nIn, units]);
  const bias = cfg.useBias === false ? new Float32Array(units) : weight(ctx, layer, 'bias', [units]).data;
  const rank = x.perm.length;
  if (rank > 2 && x.perm[rank - 1] !== rank - 1) x = tfOrder(ctx, x);
  const y = denseOp(ctx.g, layer.name, x.name, kernel.data, bias, nIn, units, rank);
  return [layerActivation(ctx, layer, { ...x, name: y, shape: [...x.shape.slice(0, -1), units] })];
};
