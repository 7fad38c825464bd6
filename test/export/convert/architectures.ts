/** The architectures the convert tests and the benchmark build: tiny, seeded by the caller. */
import { tfl } from '../../../export/convert/tfjs-layers-node';
import { mobileNetStyle } from '../../../eval/bench/convert-models';

const L = tfl.layers;
type ST = tfl.SymbolicTensor;

export { mobileNetStyle };

export function unetStyle(): tfl.LayersModel {
  const conv = (x: ST, f: number) => L.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x) as ST;
  const x = tfl.input({ shape: [16, 16, 2], name: 'image' });
  const e1 = conv(x, 4);
  const e2 = conv(L.maxPooling2d({ poolSize: 2 }).apply(e1) as ST, 8);
  const b = conv(L.maxPooling2d({ poolSize: 2 }).apply(e2) as ST, 16);
  const u2 = L.conv2dTranspose({ filters: 8, kernelSize: 2, strides: 2 }).apply(b) as ST;
  const d2 = conv(L.concatenate().apply([u2, e2]) as ST, 8);
  const u1 = L.upSampling2d({ size: [2, 2] }).apply(d2) as ST;
  const d1 = conv(L.concatenate().apply([u1, e1]) as ST, 4);
  const y = L.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: 'mask' }).apply(d1) as ST;
  return tfl.model({ inputs: x, outputs: y, name: 'unet_style' });
}

export function textModel(): tfl.LayersModel {
  const ids = tfl.input({ shape: [12], name: 'tokens' });
  let y = L.embedding({ inputDim: 50, outputDim: 8 }).apply(ids) as ST;
  y = L.lstm({ units: 8, returnSequences: true }).apply(y) as ST;
  y = L.bidirectional({ layer: L.gru({ units: 6 }) as never }).apply(y) as ST;
  y = L.dense({ units: 3, activation: 'softmax', name: 'label' }).apply(y) as ST;
  return tfl.model({ inputs: ids, outputs: y, name: 'text' });
}

export function multiIo(): tfl.LayersModel {
  const a = tfl.input({ shape: [6], name: 'a' });
  const b = tfl.input({ shape: [6], name: 'b' });
  const shared = L.dense({ units: 5, activation: 'tanh', name: 'shared' });
  const inner = tfl.sequential({ layers: [L.dense({ inputShape: [5], units: 4, activation: 'relu' }), L.dense({ units: 3 })], name: 'inner' });
  const ha = shared.apply(a) as ST;
  const hb = shared.apply(b) as ST;
  const sum = L.add({ name: 'sum' }).apply([inner.apply(ha) as ST, inner.apply(hb) as ST]) as ST;
  const cat = L.concatenate({ name: 'both' }).apply([ha, hb]) as ST;
  const score = L.dense({ units: 1, activation: 'sigmoid', name: 'score' }).apply(cat) as ST;
  return tfl.model({ inputs: [a, b], outputs: [sum, score, hb], name: 'multi_io' });
}

export function conv1dRnn(): tfl.LayersModel {
  return tfl.sequential({
    name: 'conv1d_rnn',
    layers: [
      L.conv1d({ inputShape: [20, 3], filters: 8, kernelSize: 3, activation: 'relu' }),
      L.maxPooling1d({ poolSize: 2 }),
      L.conv1d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }),
      L.simpleRNN({ units: 6, returnSequences: true }),
      L.lstm({ units: 5 }),
      L.dense({ units: 2 }),
    ],
  });
}

export const ARCHITECTURES: [string, () => tfl.LayersModel][] = [
  ['MobileNet-style', mobileNetStyle],
  ['U-Net-style', unetStyle],
  ['Embedding + LSTM + BiGRU', textModel],
  ['multi-input multi-output, shared layer, nested model', multiIo],
  ['Conv1D + RNN', conv1dRnn],
];

