/** Shared by the convert tests: tiny tfjs-layers models with seeded weights, saved in memory and converted. */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tfl } from '../../../export/convert/tfjs-layers-node';
import { ConvertOptions, ConvertResult, convertLayersModel } from '../../../export/convert/convert';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export { seedWeights } from '../../../eval/bench/convert-models';

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
