/**
 * The exported classifier (models/classifier/model.onnx) on onnxruntime-node: logits and penultimate features of
 * images in [-1, 1], batched. The card inside the file names the feature extractor; eval reports that id with
 * every FID/KID figure.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { readOnnxMetadata } from '../runtime/core/onnx-metadata';

const BATCH = 500;

export interface ClassifierInfo {
  file: string;
  name: string;
  numClasses: number;
  classNames: string[];
  features: number;
  /** Name of the features output (card featureExtractor.output). */
  featureOutput: string;
  extractorId: string;
  /** What the card says about the run it came from (step, validation figures). */
  training: { run?: string; step?: number; metrics?: Record<string, number> };
}

export class ClassifierModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly info: ClassifierInfo,
  ) {}

  /** Loads a classifier folder (holding model.onnx) or .onnx file; `threads` intra-op threads. */
  static async load(source: string, threads = 2): Promise<ClassifierModel> {
    const file = fs.existsSync(source) && fs.statSync(source).isDirectory() ? path.join(source, 'model.onnx') : source;
    if (!fs.existsSync(file)) {
      throw new Error(`classifier ${file} does not exist: train and export it first (dgm train classifier && dgm export classifier, or make eval-classifier)`);
    }
    const bytes = new Uint8Array(fs.readFileSync(file));
    const json = readOnnxMetadata(bytes)['dgm.card'];
    if (!json) throw new Error(`${file}: no model card in its metadata (export it with dgm export)`);
    const card = JSON.parse(json) as {
      name: string;
      family: string;
      numClasses: number;
      classNames: string[];
      featureExtractor?: { id: string; features: number; output: string };
      training?: ClassifierInfo['training'];
    };
    if (card.family !== 'classifier') throw new Error(`${file}: is a ${card.family} model, not a classifier`);
    const fe = card.featureExtractor;
    if (!fe || typeof fe.id !== 'string' || !(fe.features > 0)) throw new Error(`${file}: its card names no feature extractor (featureExtractor.id); re-export it`);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    for (const out of ['logits', fe.output]) {
      if (!session.outputNames.includes(out)) throw new Error(`${file}: has no output "${out}" (outputs: ${session.outputNames.join(', ')})`);
    }
    const info: ClassifierInfo = {
      file,
      name: card.name,
      numClasses: card.numClasses,
      classNames: card.classNames,
      features: fe.features,
      featureOutput: fe.output,
      extractorId: fe.id,
      training: { run: card.training?.run, step: card.training?.step, metrics: card.training?.metrics },
    };
    return new ClassifierModel(session, info);
  }

  /** Logits [n, K] and features [n, F] of images [n * 784] (NCHW = NHWC for one channel) in [-1, 1]. */
  async run(images: Float32Array, n: number, onBatch?: (done: number) => void): Promise<{ logits: Float32Array; features: Float32Array }> {
    if (images.length !== n * 784) throw new Error(`classifier input: ${images.length} values are not ${n} images of 28x28`);
    const k = this.info.numClasses;
    const f = this.info.features;
    const logits = new Float32Array(n * k);
    const features = new Float32Array(n * f);
    for (let s = 0; s < n; s += BATCH) {
      const m = Math.min(BATCH, n - s);
      const out = await this.session.run({ x: new ort.Tensor('float32', images.subarray(s * 784, (s + m) * 784), [m, 1, 28, 28]) });
      logits.set(out.logits.data as Float32Array, s * k);
      features.set(out[this.info.featureOutput].data as Float32Array, s * f);
      onBatch?.(s + m);
    }
    return { logits, features };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
