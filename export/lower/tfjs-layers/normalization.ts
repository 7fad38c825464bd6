/**
 * BatchNormalization (inference: moving statistics) -> ONNX BatchNormalization when its axis is stored second (a
 * channels-first image, a [N, F] vector: onnxruntime folds it into a preceding Conv/Gemm), else a per-feature Mul +
 * Add computed in float64 and rounded once: both by the shared `batchNormOp` (export/lower/batch-norm.ts). LayerNormalization -> ONNX LayerNormalization (opset 17) over the
 * trailing axes.
 */
import { attr } from '../../onnx/graph-builder';
import { batchNormOp } from '../batch-norm';
import { ConvertError, LayerLowering, identityPerm, layerWhere, one, optionalWeight, requireFloat, storedAxis, tfOrder, weight } from './types';

export const lowerBatchNormalization: LayerLowering = (ctx, layer, inputs) => {
  const x = one(layer, inputs);
  requireFloat(layer, x);
  const cfg = layer.getConfig();
  const axisCfg = cfg.axis as number | number[] | undefined;
  const axisList = axisCfg === undefined ? [-1] : Array.isArray(axisCfg) ? axisCfg : [axisCfg];
  if (axisList.length !== 1) throw new ConvertError(`${layerWhere(layer)}: option axis = ${JSON.stringify(axisCfg)} is not supported (supported: one axis)`);
  const rank = x.perm.length;
  // tfjs's own batchNorm kernels read the statistics as if the feature axis were last (cpu: mean[i % C]), so a model
  // normalizing another axis has no trustworthy reference to check a conversion against.
  if ((axisList[0] + rank) % rank !== rank - 1) throw new ConvertError(`${layerWhere(layer)}: option axis = ${JSON.stringify(axisCfg)} is not supported (supported: the last axis; tfjs-layers' kernels compute other axes as if the last)`);
  const axis = storedAxis(layer, x, axisList[0]);
  if (axis === 0 || axis >= rank) throw new ConvertError(`${layerWhere(layer)}: cannot normalize over the batch axis`);
  const f = x.shape[x.perm[axis] - 1];
  const eps = (cfg.epsilon as number | undefined) ?? 1e-3;
  const gamma = optionalWeight(ctx, layer, 'gamma', [f])?.data ?? new Float32Array(f).fill(1);
  const beta = optionalWeight(ctx, layer, 'beta', [f])?.data ?? new Float32Array(f);
  const mean = weight(ctx, layer, 'moving_mean', [f]).data;
  const variance = weight(ctx, layer, 'moving_variance', [f]).data;
  const y = batchNormOp(ctx.g, layer.name, x.name, { gamma, beta, mean, variance, eps }, rank, axis, axis === 1 ? 'onnx' : 'affine');
  return [{ ...x, name: y }];
};

export const lowerLayerNormalization: LayerLowering = (ctx, layer, inputs) => {
  let x = one(layer, inputs);
  requireFloat(layer, x);
  if (ctx.opset < 17) throw new ConvertError(`${layerWhere(layer)}: needs opset >= 17 (ONNX LayerNormalization), the conversion asked for opset ${ctx.opset}`);
  const cfg = layer.getConfig();
  const rank = x.perm.length;
  const axes = (Array.isArray(cfg.axis) ? (cfg.axis as number[]) : [cfg.axis as number]).map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (!trailing || axes[0] < 1) throw new ConvertError(`${layerWhere(layer)}: option axis = ${JSON.stringify(cfg.axis)} is not supported (supported: the trailing axes, e.g. -1)`);
  // One trailing axis only needs to be stored last; several need tfjs's order.
  if (!(axes.length === 1 && x.perm[rank - 1] === rank - 1)) x = tfOrder(ctx, x);
  const nShape = axes.map((a) => x.shape[a - 1]);
  const n = nShape.reduce((a, b) => a * b, 1);
  const gamma = cfg.scale === false ? new Float32Array(n).fill(1) : weight(ctx, layer, 'gamma', nShape).data;
  const beta = cfg.center === false ? new Float32Array(n) : weight(ctx, layer, 'beta', nShape).data;
  const ins = [x.name, ctx.g.weight(`${layer.name}.gamma`, gamma, nShape), ctx.g.weight(`${layer.name}.beta`, beta, nShape)];
  const y = ctx.g.op('LayerNormalization', ins, { axis: attr.int(rank - axes.length), epsilon: attr.float((cfg.epsilon as number | undefined) ?? 1e-3) }, layer.name);
  return [{ ...x, name: y, perm: axes.length === 1 ? x.perm : identityPerm(rank) }];
};
