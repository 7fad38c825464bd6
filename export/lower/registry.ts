/**
 * One lowering per LayerSpec kind. The mapped type makes a kind added to layers.ts without a lowering a compile
 * error; `loweringFor` makes a kind unknown at run time (e.g. from a newer checkpoint config) a clear one.
 */
import { LayerSpec } from '../../training/nets/layers';
import { lowerLeakyRelu, lowerRelu, lowerSigmoid, lowerTanh } from './activations';
import { lowerBatchNorm } from './batch-norm';
import { lowerConv2d } from './conv2d';
import { lowerDense, lowerMaskedDense } from './dense';
import { lowerPixelShuffle } from './pixel-shuffle';
import { lowerReshape } from './reshape';
import { lowerSoftBound } from './soft-bound';
import { ExportError, Lowering, describeLayer } from './types';

type Registry = { [K in LayerSpec['kind']]: Lowering<K> };

export const LOWERINGS: Registry = {
  dense: lowerDense,
  maskedDense: lowerMaskedDense,
  conv2d: lowerConv2d,
  batchNorm: lowerBatchNorm,
  relu: lowerRelu,
  leakyRelu: lowerLeakyRelu,
  sigmoid: lowerSigmoid,
  tanh: lowerTanh,
  softBound: lowerSoftBound,
  reshape: lowerReshape,
  pixelShuffle: lowerPixelShuffle,
};

export function loweringFor(layer: LayerSpec, index: number, model: string): Lowering<LayerSpec['kind']> {
  const kind = (layer as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(LOWERINGS, kind)) {
    throw new ExportError(
      `model "${model}": ${describeLayer({ kind: String(kind), name: (layer as { name?: unknown }).name }, index)} has no ONNX lowering ` +
        `(supported: ${Object.keys(LOWERINGS).join(', ')})`,
    );
  }
  return LOWERINGS[kind as LayerSpec['kind']] as Lowering<LayerSpec['kind']>;
}
