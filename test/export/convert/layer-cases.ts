/**
 * One tiny model per tfjs-layers class and option: the parity cases of `dgm convert`'s lowerings. layers.test.ts runs
 * each through convertLayersModel (compared with tfjs-layers' predict); lowering-coverage.test.ts reads the classes
 * and activations the built models contain.
 */
import { ACTIVATIONS } from '../../../export/lower/tfjs-layers/activations';
import { tfl } from './helpers';

export type Build = () => tfl.LayersModel;
const L = tfl.layers;
const seq = (...layers: tfl.layers.Layer[]): tfl.LayersModel => tfl.sequential({ layers });
const img = [6, 5, 3];

/** [class the case is about, what it checks, builder]: the parity cases of every tfjs-layers lowering. */
export const CONVERT_CASES: [string, string, Build][] = [
  ['Dense', 'relu, bias', () => seq(L.dense({ inputShape: [7], units: 4, activation: 'relu' }))],
  ['Dense', 'no bias, rank-3 input', () => seq(L.dense({ inputShape: [3, 5], units: 2, useBias: false }))],
  // gelu_new is lowered too, but tfjs-layers 4.22 saves it as 'geluNew' and then cannot load what it saved.
  ...ACTIVATIONS.filter((a) => a !== 'gelu_new').map((a): [string, string, Build] => ['Activation', a, () => seq(L.dense({ inputShape: [6], units: 5 }), L.activation({ activation: a as never }))]),
  ['Activation', 'softmax on a conv output', () => seq(L.conv2d({ inputShape: img, filters: 4, kernelSize: 1 }), L.activation({ activation: 'softmax' }))],
  ['ReLU', 'maxValue', () => seq(L.dense({ inputShape: [6], units: 5 }), L.reLU({ maxValue: 0.3 }))],
  ['ReLU', 'plain', () => seq(L.dense({ inputShape: [6], units: 5 }), L.reLU())],
  ['LeakyReLU', 'alpha', () => seq(L.dense({ inputShape: [6], units: 5 }), L.leakyReLU({ alpha: 0.2 }))],
  ['PReLU', 'image, shared spatial axes', () => seq(L.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), L.prelu({ sharedAxes: [1, 2] }))],
  ['PReLU', 'per element', () => seq(L.conv2d({ inputShape: img, filters: 2, kernelSize: 2 }), L.prelu())],
  ['ELU', 'default alpha (tfjs-layers supports no other)', () => seq(L.dense({ inputShape: [6], units: 5 }), L.elu())],
  ['Softmax', 'last axis of a sequence (tfjs-layers supports no other)', () => seq(L.dense({ inputShape: [4, 3], units: 3 }), L.softmax({ axis: -1 }))],
  ['ThresholdedReLU', 'theta', () => seq(L.dense({ inputShape: [6], units: 5 }), L.thresholdedReLU({ theta: 0.2 }))],
  ['Conv1D', 'same, stride 2', () => seq(L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same' }))],
  ['Conv1D', 'valid, dilation 2', () => seq(L.conv1d({ inputShape: [9, 3], filters: 4, kernelSize: 3, dilationRate: 2, activation: 'tanh' }))],
  ['Conv2D', 'valid, stride 2', () => seq(L.conv2d({ inputShape: [7, 6, 3], filters: 4, kernelSize: 3, strides: 2 }))],
  ['Conv2D', 'same, stride 2 (odd padding)', () => seq(L.conv2d({ inputShape: [7, 6, 3], filters: 4, kernelSize: [3, 2], strides: 2, padding: 'same' }))],
  ['Conv2D', 'same, dilation 2, no bias', () => seq(L.conv2d({ inputShape: [7, 6, 3], filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', useBias: false }))],
  ['Conv2DTranspose', 'same, stride 2', () => seq(L.conv2dTranspose({ inputShape: [4, 3, 3], filters: 2, kernelSize: 3, strides: 2, padding: 'same' }))],
  ['Conv2DTranspose', 'valid, stride 2, kernel 3', () => seq(L.conv2dTranspose({ inputShape: [4, 3, 3], filters: 2, kernelSize: 3, strides: 2 }))],
  ['Conv2DTranspose', 'valid, stride 3, kernel 2', () => seq(L.conv2dTranspose({ inputShape: [4, 3, 3], filters: 2, kernelSize: 2, strides: 3 }))],
  ['DepthwiseConv2D', 'same, multiplier 2', () => seq(L.depthwiseConv2d({ inputShape: img, kernelSize: 3, depthMultiplier: 2, padding: 'same' }))],
  ['DepthwiseConv2D', 'valid, stride 2', () => seq(L.depthwiseConv2d({ inputShape: img, kernelSize: 3, strides: 2 }))],
  ['SeparableConv2D', 'same, relu', () => seq(L.separableConv2d({ inputShape: img, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }))],
  ['SeparableConv2D', 'valid, stride 2', () => seq(L.separableConv2d({ inputShape: [7, 7, 3], filters: 2, kernelSize: 3, strides: 2 }))],
  ['BatchNormalization', 'after a conv (channels axis)', () => seq(L.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), L.batchNormalization())],
  ['BatchNormalization', 'vector, no center/scale', () => seq(L.dense({ inputShape: [5], units: 4 }), L.batchNormalization({ center: false, scale: false, epsilon: 0.01 }))],
  ['BatchNormalization', 'last axis of a time-major sequence (after an LSTM)', () => seq(L.lstm({ inputShape: [4, 3], units: 3, returnSequences: true }), L.batchNormalization())],
  ['LayerNormalization', 'last axis of a sequence', () => seq(L.dense({ inputShape: [4, 6], units: 5 }), L.layerNormalization())],
  ['LayerNormalization', 'image, after a conv', () => seq(L.conv2d({ inputShape: img, filters: 4, kernelSize: 3 }), L.layerNormalization({ epsilon: 1e-5 }))],
  ['Dropout', 'rate 0.5', () => seq(L.dense({ inputShape: [5], units: 4 }), L.dropout({ rate: 0.5 }))],
  ['SpatialDropout1D', 'rate 0.3', () => seq(L.conv1d({ inputShape: [6, 3], filters: 4, kernelSize: 2 }), L.spatialDropout1d({ rate: 0.3 }))],
  ['GaussianNoise', 'stddev 1', () => seq(L.dense({ inputShape: [5], units: 4 }), L.gaussianNoise({ stddev: 1 }))],
  ['GaussianDropout', 'rate 0.4', () => seq(L.dense({ inputShape: [5], units: 4 }), L.gaussianDropout({ rate: 0.4 }))],
  ['AlphaDropout', 'rate 0.4', () => seq(L.dense({ inputShape: [5], units: 4 }), L.alphaDropout({ rate: 0.4 }))],
  ['Flatten', 'after a conv', () => seq(L.conv2d({ inputShape: img, filters: 3, kernelSize: 2 }), L.flatten(), L.dense({ units: 3 }))],
  ['Reshape', 'vector to image, then conv', () => seq(L.dense({ inputShape: [4], units: 24 }), L.reshape({ targetShape: [2, 4, 3] }), L.conv2d({ filters: 2, kernelSize: 2, padding: 'same' }))],
  ['Reshape', 'image with -1', () => seq(L.conv2d({ inputShape: img, filters: 2, kernelSize: 2 }), L.reshape({ targetShape: [-1, 4] }))],
  ['Permute', 'of a conv output', () => seq(L.conv2d({ inputShape: img, filters: 2, kernelSize: 2 }), L.permute({ dims: [3, 1, 2] }), L.dense({ units: 3 }))],
  ['RepeatVector', 'n 3', () => seq(L.dense({ inputShape: [4], units: 3 }), L.repeatVector({ n: 3 }))],
  ['MaxPooling1D', 'pool 2', () => seq(L.conv1d({ inputShape: [9, 2], filters: 3, kernelSize: 2 }), L.maxPooling1d({ poolSize: 2 }))],
  ['MaxPooling2D', 'same, pool 3 stride 2', () => seq(L.conv2d({ inputShape: [7, 6, 2], filters: 3, kernelSize: 1 }), L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['AveragePooling1D', 'same, pool 3', () => seq(L.conv1d({ inputShape: [8, 2], filters: 3, kernelSize: 1 }), L.averagePooling1d({ poolSize: 3, padding: 'same' }))],
  ['AveragePooling2D', 'same (edge windows count only real pixels)', () => seq(L.conv2d({ inputShape: [7, 6, 2], filters: 3, kernelSize: 1 }), L.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }))],
  ['AveragePooling2D', 'valid, pool 2', () => seq(L.averagePooling2d({ inputShape: img, poolSize: 2 }))],
  ['GlobalAveragePooling1D', '', () => seq(L.conv1d({ inputShape: [6, 2], filters: 3, kernelSize: 2 }), L.globalAveragePooling1d())],
  ['GlobalAveragePooling2D', 'after a conv', () => seq(L.conv2d({ inputShape: img, filters: 3, kernelSize: 2 }), L.globalAveragePooling2d({}))],
  ['GlobalMaxPooling1D', '', () => seq(L.dense({ inputShape: [6, 2], units: 3 }), L.globalMaxPooling1d())],
  ['GlobalMaxPooling2D', 'on the input', () => seq(L.globalMaxPooling2d({ inputShape: img }))],
  ['UpSampling2D', 'nearest [2, 3]', () => seq(L.conv2d({ inputShape: [3, 4, 2], filters: 2, kernelSize: 1 }), L.upSampling2d({ size: [2, 3] }))],
  ['UpSampling2D', 'bilinear 2', () => seq(L.upSampling2d({ inputShape: [3, 4, 2], size: [2, 2], interpolation: 'bilinear' }))],
  ['ZeroPadding2D', 'asymmetric', () => seq(L.conv2d({ inputShape: img, filters: 2, kernelSize: 1 }), L.zeroPadding2d({ padding: [[1, 2], [0, 3]] }))],
  ['Cropping2D', 'asymmetric', () => seq(L.conv2d({ inputShape: img, filters: 2, kernelSize: 1 }), L.cropping2D({ cropping: [[1, 2], [0, 1]] }))],
  ['Embedding', 'ids through a float32 input', () => seq(L.embedding({ inputDim: 11, outputDim: 4, inputLength: 5, inputShape: [5] }))],
  ['Rescaling', 'scale and offset', () => seq(L.rescaling({ inputShape: [5], scale: 1 / 255, offset: -0.5 }))],
  ['SimpleRNN', 'last state', () => seq(L.simpleRNN({ inputShape: [5, 3], units: 4 }))],
  ['SimpleRNN', 'sequences, goBackwards, relu', () => seq(L.simpleRNN({ inputShape: [5, 3], units: 4, returnSequences: true, goBackwards: true, activation: 'relu' }))],
  ['LSTM', 'last state (hardSigmoid gates)', () => seq(L.lstm({ inputShape: [5, 3], units: 4 }))],
  ['LSTM', 'sequences, sigmoid gates, no bias', () => seq(L.lstm({ inputShape: [5, 3], units: 4, returnSequences: true, recurrentActivation: 'sigmoid', useBias: false }))],
  ['LSTM', 'goBackwards, last state', () => seq(L.lstm({ inputShape: [5, 3], units: 4, goBackwards: true }))],
  ['LSTM', 'stacked, sequences, goBackwards', () => seq(L.lstm({ inputShape: [5, 3], units: 4, returnSequences: true, goBackwards: true }), L.lstm({ units: 3, returnSequences: true }))],
  ['GRU', 'last state', () => seq(L.gru({ inputShape: [5, 3], units: 4 }))],
  // The recurrent activations ONNX's RNN operators take (RNN_ACTIVATIONS): one case each beyond the defaults above.
  ['SimpleRNN', 'linear activation (ONNX Affine)', () => seq(L.simpleRNN({ inputShape: [5, 3], units: 4, activation: 'linear' }))],
  ['LSTM', 'softsign activation, sigmoid gates', () => seq(L.lstm({ inputShape: [5, 3], units: 4, activation: 'softsign', recurrentActivation: 'sigmoid' }))],
  ['GRU', 'softplus activation', () => seq(L.gru({ inputShape: [5, 3], units: 4, activation: 'softplus', returnSequences: true }))],
  ['SimpleRNN', 'elu activation', () => seq(L.simpleRNN({ inputShape: [5, 3], units: 4, activation: 'elu' }))],
  ['LSTM', 'linear activation, hardSigmoid gates (Affine and HardSigmoid parameters in order)', () => seq(L.lstm({ inputShape: [5, 3], units: 4, activation: 'linear', returnSequences: true }))],
  ['GRU', 'sequences, goBackwards', () => seq(L.gru({ inputShape: [5, 3], units: 4, returnSequences: true, goBackwards: true, recurrentActivation: 'sigmoid' }))],
  ...(['concat', 'sum', 'mul', 'ave'] as const).map((mode): [string, string, Build] => ['Bidirectional', `LSTM sequences, ${mode}`, () => seq(L.bidirectional({ layer: L.lstm({ units: 3, returnSequences: true }) as never, mergeMode: mode, inputShape: [5, 2] }))]),
  ['Bidirectional', 'GRU last state, concat', () => seq(L.bidirectional({ layer: L.gru({ units: 3 }) as never, inputShape: [5, 2] }))],
  ['Bidirectional', 'SimpleRNN, no merge (two outputs)', () => {
    const x = tfl.input({ shape: [5, 2] });
    const ys = L.bidirectional({ layer: L.simpleRNN({ units: 3 }) as never, mergeMode: null as never }).apply(x) as tfl.SymbolicTensor[];
    return tfl.model({ inputs: x, outputs: ys });
  }],
];

function mergeCase(cls: string, make: () => tfl.layers.Layer): [string, string, Build] {
  return [cls, 'two conv branches', () => {
    const x = tfl.input({ shape: img });
    const a = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }).apply(x) as tfl.SymbolicTensor;
    const b = L.conv2d({ filters: 3, kernelSize: 1 }).apply(x) as tfl.SymbolicTensor;
    return tfl.model({ inputs: x, outputs: make().apply([a, b]) as tfl.SymbolicTensor });
  }];
}
CONVERT_CASES.push(
  mergeCase('Add', () => L.add()),
  mergeCase('Multiply', () => L.multiply()),
  mergeCase('Average', () => L.average()),
  mergeCase('Maximum', () => L.maximum()),
  mergeCase('Minimum', () => L.minimum()),
  mergeCase('Concatenate', () => L.concatenate()),
  ['Concatenate', 'axis 1 of sequences', () => {
    const a = tfl.input({ shape: [3, 4] });
    const b = tfl.input({ shape: [2, 4] });
    return tfl.model({ inputs: [a, b], outputs: L.concatenate({ axis: 1 }).apply([a, b]) as tfl.SymbolicTensor });
  }],
  ['Dot', 'vectors, normalized', () => {
    const a = tfl.input({ shape: [5] });
    const b = tfl.input({ shape: [5] });
    return tfl.model({ inputs: [a, b], outputs: L.dot({ axes: 1, normalize: true }).apply([a, b]) as tfl.SymbolicTensor });
  }],
  ['Dot', 'sequences, axes [2, 2]', () => {
    const a = tfl.input({ shape: [3, 4] });
    const b = tfl.input({ shape: [2, 4] });
    return tfl.model({ inputs: [a, b], outputs: L.dot({ axes: [2, 2] }).apply([a, b]) as tfl.SymbolicTensor });
  }],
);
