/** Shared by the convert tests: tiny tfjs-layers models with seeded weights, saved in memory and converted. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tfl } from '../../../export/convert/tfjs-layers-node';
import { Random } from '../../../runtime/core/random';
import { ConvertOptions, ConvertResult, convertLayersModel } from '../../../export/convert/convert';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/**
 * Every weight drawn from a seeded normal, so a test is the same every run: kernels with std 1 / sqrt(fan-in) (the
 * scale trained layers keep activations of order 1 at), vectors (biases, batch-norm shifts) with std 0.5, moving
 * variances uniform in [0.5, 1.5).
 */
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

export async function artifactsOf(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Converts `model` (checker off: the suite runs it once over every file) and keeps the file in `dir`. */
export async function convertModel(model: tfl.LayersModel, dir: string, name: string, options: ConvertOptions = {}): Promise<ConvertResult & { file: string }> {
  const res = await convertLayersModel(await artifactsOf(model), { checker: 'off', ...options });
  const file = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(file, res.onnx);
  return { ...res, file };
}

export function worstParity(res: ConvertResult): number {
  const p = res.report.parity;
  if (!('outputs' in p)) throw new Error('parity was not checked');
  return Math.max(...p.outputs.map((o) => o.maxAbsDiff));
}

export { tf, tfl };
