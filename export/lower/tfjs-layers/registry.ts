/**
 * One lowering per tfjs-layers class name: the only list of what `dgm convert` supports (test/export/convert/
 * layers.test.ts fails when a class here has no test case). A class not here is an error naming it and the layer.
 */
import { lowerActivation, lowerELU, lowerLeakyReLU, lowerPReLU, lowerReLU, lowerSoftmax, lowerThresholdedReLU } from './activations';
import { lowerConv1D, lowerConv2D, lowerConv2DTranspose, lowerDepthwiseConv2D, lowerSeparableConv2D } from './conv';
import { lowerDense } from './dense';
import { lowerEmbedding } from './embedding';
import { lowerAdd, lowerAverage, lowerConcatenate, lowerDot, lowerMaximum, lowerMinimum, lowerMultiply } from './merge';
import { lowerBatchNormalization, lowerLayerNormalization } from './normalization';
import { lowerBidirectional, lowerRecurrent } from './recurrent';
import { lowerFlatten, lowerInferenceNoOp, lowerPermute, lowerRepeatVector, lowerReshape, lowerRescaling } from './shape';
import {
  lowerAveragePooling1D,
  lowerAveragePooling2D,
  lowerCropping2D,
  lowerGlobalAveragePooling1D,
  lowerGlobalAveragePooling2D,
  lowerGlobalMaxPooling1D,
  lowerGlobalMaxPooling2D,
  lowerMaxPooling1D,
  lowerMaxPooling2D,
  lowerUpSampling2D,
  lowerZeroPadding2D,
} from './spatial';
import { ConvertError, LayerLike, LayerLowering, layerWhere } from './types';

export const LAYER_LOWERINGS: Readonly<Record<string, LayerLowering>> = {
  Dense: lowerDense,
  Activation: lowerActivation,
  ReLU: lowerReLU,
  LeakyReLU: lowerLeakyReLU,
  PReLU: lowerPReLU,
  ELU: lowerELU,
  Softmax: lowerSoftmax,
  ThresholdedReLU: lowerThresholdedReLU,
  Conv1D: lowerConv1D,
  Conv2D: lowerConv2D,
  Conv2DTranspose: lowerConv2DTranspose,
  DepthwiseConv2D: lowerDepthwiseConv2D,
  SeparableConv2D: lowerSeparableConv2D,
  BatchNormalization: lowerBatchNormalization,
  LayerNormalization: lowerLayerNormalization,
  Dropout: lowerInferenceNoOp,
  SpatialDropout1D: lowerInferenceNoOp,
  GaussianNoise: lowerInferenceNoOp,
  GaussianDropout: lowerInferenceNoOp,
  AlphaDropout: lowerInferenceNoOp,
  Flatten: lowerFlatten,
  Reshape: lowerReshape,
  Permute: lowerPermute,
  RepeatVector: lowerRepeatVector,
  Concatenate: lowerConcatenate,
  Add: lowerAdd,
  Multiply: lowerMultiply,
  Average: lowerAverage,
  Maximum: lowerMaximum,
  Minimum: lowerMinimum,
  Dot: lowerDot,
  MaxPooling1D: lowerMaxPooling1D,
  MaxPooling2D: lowerMaxPooling2D,
  AveragePooling1D: lowerAveragePooling1D,
  AveragePooling2D: lowerAveragePooling2D,
  GlobalAveragePooling1D: lowerGlobalAveragePooling1D,
  GlobalAveragePooling2D: lowerGlobalAveragePooling2D,
  GlobalMaxPooling1D: lowerGlobalMaxPooling1D,
  GlobalMaxPooling2D: lowerGlobalMaxPooling2D,
  UpSampling2D: lowerUpSampling2D,
  ZeroPadding2D: lowerZeroPadding2D,
  Cropping2D: lowerCropping2D,
  Embedding: lowerEmbedding,
  Rescaling: lowerRescaling,
  SimpleRNN: lowerRecurrent,
  LSTM: lowerRecurrent,
  GRU: lowerRecurrent,
  Bidirectional: lowerBidirectional,
};

export function layerLoweringFor(layer: LayerLike): LayerLowering {
  const c = layer.getClassName();
  if (!Object.prototype.hasOwnProperty.call(LAYER_LOWERINGS, c)) {
    throw new ConvertError(`${layerWhere(layer)}: no ONNX lowering for class ${c} (supported: ${Object.keys(LAYER_LOWERINGS).join(', ')})`);
  }
  return LAYER_LOWERINGS[c];
}
