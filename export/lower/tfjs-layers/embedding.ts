/**
 * Embedding -> Gather of the rows of the table. tfjs casts the ids to int32 and looks them up; an id out of range is
 * an error in both runtimes. Masking (maskZero) has no ONNX form here and is refused.
 */
import { attr } from '../../onnx/graph-builder';
import { embeddingOp } from '../embedding';
import { LayerLowering, identityPerm, one, option, tfOrder, weight } from './types';

export const lowerEmbedding: LayerLowering = (ctx, layer, inputs) => {
  const x = tfOrder(ctx, one(layer, inputs));
  option(layer, 'maskZero', [undefined, null, false], 'false (masks are not converted)');
  const cfg = layer.getConfig();
  const inputDim = cfg.inputDim as number;
  const outputDim = cfg.outputDim as number;
  const table = weight(ctx, layer, 'embeddings', [inputDim, outputDim]);
  const ids = x.dtype === 'int64' ? x.name : ctx.g.op('Cast', [x.name], { to: attr.int(7) }, `${layer.name}.ids`);
  const y = embeddingOp(ctx.g, ctx.g.weight(`${layer.name}.embeddings`, table.data, [inputDim, outputDim]), ids, layer.name);
  const shape = [...x.shape, outputDim];
  return [{ name: y, shape, perm: identityPerm(shape.length + 1), dtype: 'float32' }];
};
