/**
 * The tfjs-layers models `dgm bench convert` and the convert tests build: a MobileNet-style net (depthwise-separable
 * blocks, batch norm, ReLU6, global pooling, softmax) at any input size and width, and seeded weights at the scale
 * trained layers keep (kernels with std 1 / sqrt(fan-in)), so a run is the same every time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { tfl } from '../../export/convert/tfjs-layers-node';

type ST = tfl.SymbolicTensor;
const L = tfl.layers;

export interface MobileNetStyleOptions {
  /** Input [size, size, 3]. */
  size: number;
  /** Channels of the stem and of each block (strides 1, 2, 2, ... after the first). */
  widths: number[];
  classes: number;
}

export function mobileNetStyle(o: MobileNetStyleOptions = { size: 16, widths: [8, 16, 24, 32], classes: 10 }): tfl.LayersModel {
  const block = (x: ST, filters: number, stride: number): ST => {
    let y = L.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: 'same', useBias: false }).apply(x) as ST;
    y = L.batchNormalization().apply(y) as ST;
    y = L.reLU({ maxValue: 6 }).apply(y) as ST;
    y = L.conv2d({ filters, kernelSize: 1, useBias: false }).apply(y) as ST;
    y = L.batchNormalization().apply(y) as ST;
    return L.reLU({ maxValue: 6 }).apply(y) as ST;
  };
  const x = tfl.input({ shape: [o.size, o.size, 3], name: 'image' });
  let y = L.conv2d({ filters: o.widths[0], kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(x) as ST;
  y = L.batchNormalization().apply(y) as ST;
  y = L.reLU({ maxValue: 6 }).apply(y) as ST;
  o.widths.slice(1).forEach((w, i) => {
    y = block(y, w, i === 0 ? 1 : 2);
    if (i === 1) y = L.separableConv2d({ filters: w, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(y) as ST;
  });
  y = L.globalAveragePooling2d({}).apply(y) as ST;
  y = L.dropout({ rate: 0.2 }).apply(y) as ST;
  y = L.dense({ units: o.classes, activation: 'softmax', name: 'probs' }).apply(y) as ST;
  return tfl.model({ inputs: x, outputs: y, name: 'mobilenet_style' });
}

/** Every weight from a seeded normal: kernels std 1 / sqrt(fan-in), vectors std 0.5, moving variances in [0.5, 1.5). */
export function seedWeights(model: tfl.LayersModel, seed: number): void {
  const rng = new Random(seed);
  const walk = (layers: tfl.layers.Layer[]) => {
    for (const layer of layers) {
      const inner = (layer as unknown as { layers?: tfl.layers.Layer[] }).layers;
      if (Array.isArray(inner)) {
        walk(inner);
        continue;
      }
      const ws = layer.getWeights();
      if (ws.length === 0) continue;
      const names = layer.weights.map((w) => w.name);
      const values = ws.map((w, i) => {
        const n = w.size;
        const fanIn = w.shape.length >= 2 ? n / w.shape[w.shape.length - 1] : 0;
        const std = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0.5;
        const data = /variance/.test(names[i]) ? Float32Array.from({ length: n }, () => 0.5 + rng.uniform()) : rng.fillNormal(new Float32Array(n), 0, std);
        return tf.tensor(data, w.shape);
      });
      layer.setWeights(values);
      values.forEach((v) => v.dispose());
    }
  };
  walk(model.layers);
}
