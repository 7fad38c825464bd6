/**
 * Reads what tfjs-layers' `model.save('file://dir')` writes (dir/model.json with `modelTopology` and
 * `weightsManifest`, plus the weight shards it names) or in-memory ModelArtifacts, and loads it with tfjs-layers
 * itself (which also dequantizes quantized weights), so the converter and the parity reference read one model.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { tfl } from './tfjs-layers-node';
import { ConvertError } from '../lower/tfjs-layers/types';

export interface LoadedModel {
  model: tfl.LayersModel;
  /** Where it came from, for the report. */
  source: string;
  /** model.json plus weight bytes (JSON of the topology and manifest for in-memory artifacts). */
  sourceBytes: number;
}

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
}

function readModelJson(file: string): { artifacts: tf.io.ModelArtifacts; bytes: number } {
  if (!fs.existsSync(file)) throw new ConvertError(`${file}: no such file (expected the model.json that tfjs-layers' model.save('file://...') writes)`);
  const st = fs.statSync(file);
  if (st.isDirectory()) {
    const inner = path.join(file, 'model.json');
    if (fs.existsSync(inner)) return readModelJson(inner);
    throw new ConvertError(`${file} is a folder without a model.json`);
  }
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    throw new ConvertError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (json.format === 'graph-model') throw new ConvertError(`${file} is a tfjs graph model (tensorflowjs_converter output); dgm convert reads LayersModels (tfjs-layers' model.save)`);
  if (!json.modelTopology || typeof json.modelTopology !== 'object') throw new ConvertError(`${file}: no modelTopology (expected a tfjs-layers model.json)`);
  if (!Array.isArray(json.weightsManifest)) throw new ConvertError(`${file}: no weightsManifest (expected a tfjs-layers model.json)`);
  const dir = path.dirname(file);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  let bytes = st.size;
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const shard = path.resolve(dir, p);
      if (!fs.existsSync(shard)) throw new ConvertError(`${file}: weight shard ${p} is missing (looked for ${shard})`);
      const data = fs.readFileSync(shard);
      bytes += data.byteLength;
      shards.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  }
  const weightData = new Uint8Array(shards.reduce((a, s) => a + s.byteLength, 0));
  let o = 0;
  for (const s of shards) {
    weightData.set(s, o);
    o += s.byteLength;
  }
  return { artifacts: { modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'], weightSpecs: specs, weightData: weightData.buffer }, bytes };
}

export async function loadLayersModelFrom(pathOrArtifacts: string | tf.io.ModelArtifacts): Promise<LoadedModel> {
  const { artifacts, bytes, source } =
    typeof pathOrArtifacts === 'string'
      ? { ...readModelJson(pathOrArtifacts), source: pathOrArtifacts }
      : {
          artifacts: pathOrArtifacts,
          bytes: JSON.stringify({ modelTopology: pathOrArtifacts.modelTopology, weightSpecs: pathOrArtifacts.weightSpecs }).length + weightBytes(pathOrArtifacts.weightData),
          source: 'in-memory artifacts',
        };
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new ConvertError(`${source}: tfjs-layers could not load it: ${(e as Error).message}`);
  }
  return { model, source, sourceBytes: bytes };
}

function weightBytes(d: tf.io.ModelArtifacts['weightData']): number {
  if (!d) return 0;
  return Array.isArray(d) ? d.reduce((a, b) => a + b.byteLength, 0) : d.byteLength;
}
