/**
 * Small exported models for the runtime tests, made by the project's own pipeline (training/nets definitions with
 * seeded random weights -> export/ -> models folder with the card in every .onnx), so the runtime is tested on the
 * files it will meet, and tfjs (the definitions applied on the cpu backend) stays an independent reference.
 *
 * The export's own tfjs-vs-onnxruntime check is skipped here (`parity: []`): the export tests own it, the runtime
 * tests compare against tfjs themselves, and on a 784-D flow it costs minutes (784 sequential tfjs passes).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { exportModel } from '../../export/export-model';
import { ganJob } from '../../families/gan/gan-job';
import { mafJob } from '../../families/maf/maf-job';
import { weightsFromParams } from '../../export/weights';
import { Random } from '../../runtime/core/random';
import { readOnnxParts } from '../../runtime/core/onnx-metadata';
import { decodeModel } from '../../export/onnx/proto';
import { GanDefinition, GanNetConfig, ganDefinition, initGanParams } from '../../families/gan/gan-nets';
import { Params } from '../../training/nets/layers';
import { MafConfig, MafDefinition, initMafParams, mafDefinition } from '../../families/maf/maf';

export const FMNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

export async function useTfCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `dgm-rt-${tag}-`));
}

const training = (run: string, config: unknown) => ({ run, checkpoint: '(random init, test fixture)', step: 0, epoch: 0, config, metrics: {} });

/** Batch-norm running statistics away from the identity, so the exported folding is exercised. */
function randomiseBatchNorms(params: Params, rng: Random): void {
  for (const [name, v] of params) {
    let data: Float32Array | undefined;
    if (name.endsWith('.runningMean') || name.endsWith('.beta')) data = rng.fillNormal(new Float32Array(v.size), 0, 0.3);
    else if (name.endsWith('.runningVar')) data = Float32Array.from({ length: v.size }, () => 0.5 + rng.uniform());
    if (data) v.assign(tf.tensor(data, v.shape));
  }
}

export interface GanFixture {
  dir: string;
  def: GanDefinition;
  gen: Params;
  disc: Params;
  dispose(): void;
}

/** A course-size GAN (conditional unless numClasses 0) with random weights, exported to `root/<name>`. */
export async function exportGan(root: string, name: string, cfg: Partial<GanNetConfig>, seed = 1): Promise<GanFixture> {
  const def = ganDefinition(cfg);
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  randomiseBatchNorms(gen, rng);
  const params: Params = new Map([...gen, ...disc]);
  const dir = path.join(root, name);
  await exportModel(
    { ...ganJob({ name, kind: def.config.numClasses > 0 ? 'cgan' : 'gan', def, params, weights: weightsFromParams(params), training: training(name, def.config), classNames: FMNIST_CLASSES, reference: 'tfjs cpu' }), parity: async () => [] },
    dir,
    { checker: 'off', runtime: 'onnxruntime-node' },
  );
  return { dir, def, gen, disc, dispose: () => [...gen.values(), ...disc.values()].forEach((v) => v.dispose()) };
}

export interface MafFixture {
  dir: string;
  def: MafDefinition;
  params: Params;
  dispose(): void;
}

/** A small MAF with random weights, exported to `root/<name>` with the given data description. */
export async function exportMaf(root: string, name: string, cfg: MafConfig, data: { space: string; details?: Record<string, unknown> }, seed = 2): Promise<MafFixture> {
  const def = mafDefinition(cfg);
  const params = initMafParams(def, new Random(seed));
  const dir = path.join(root, name);
  await exportModel(
    { ...mafJob({ name, kind: 'maf', def, params, weights: weightsFromParams(params), training: training(name, cfg), data: { dimensions: cfg.inputSize, ...data }, reference: 'tfjs cpu' }), parity: async () => [] },
    dir,
    { checker: 'off', runtime: 'onnxruntime-node' },
  );
  return { dir, def, params, dispose: () => [...params.values()].forEach((v) => v.dispose()) };
}

/** The offset of a byte in the middle of the largest weight tensor's data (found by protobufjs's decoding). */
export function weightByte(bytes: Uint8Array): number {
  const inits = decodeModel(bytes).graph.initializer.filter((t) => t.raw_data && t.raw_data.length >= 16);
  const big = inits.sort((a, b) => b.raw_data!.length - a.raw_data!.length)[0];
  const at = Buffer.from(bytes).indexOf(Buffer.from(big.raw_data!));
  if (at < 0) throw new Error('weightByte: the tensor data is not found in the file');
  return at + Math.floor(big.raw_data!.length / 2);
}

/** `bytes` with its metadata_props replaced by `props` (ModelProto field 14, StringStringEntryProto key 1, value 2). */
export function withMetadata(bytes: Uint8Array, props: Record<string, string>): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return out;
  };
  const field = (tag: number, body: Uint8Array): Uint8Array => Buffer.concat([Buffer.from([tag, ...varint(body.length)]), body]);
  const entries = Object.entries(props).map(([k, v]) => field(0x72, Buffer.concat([field(0x0a, Buffer.from(k)), field(0x12, Buffer.from(v))])));
  return new Uint8Array(Buffer.concat([...readOnnxParts(bytes).content, ...entries]));
}

