/**
 * Writes a LayersModel the way tfjs-node's `model.save('file://dir')` does (dir/model.json with modelTopology and
 * weightsManifest, dir/weights.bin), for Node programs without tfjs-node (not installable here): the tests, the
 * benchmark and the docs' example make the files `dgm convert` reads with it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs';

export async function saveLayersModelToDir(model: tfl.LayersModel, dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.json');
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const data = a.weightData ? (Array.isArray(a.weightData) ? a.weightData : [a.weightData]) : [];
      const bytes = Buffer.concat(data.map((b) => Buffer.from(b)));
      fs.writeFileSync(path.join(dir, 'weights.bin'), bytes);
      const json = {
        modelTopology: a.modelTopology,
        format: a.format,
        generatedBy: a.generatedBy,
        convertedBy: a.convertedBy,
        weightsManifest: [{ paths: ['./weights.bin'], weights: a.weightSpecs ?? [] }],
      };
      fs.writeFileSync(file, JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: bytes.byteLength } };
    }),
  );
  return file;
}
