/**
 * The exported classifier (models/classifier/model.onnx) on onnxruntime-node: logits and penultimate features of
 * images in [-1, 1], batched. The card inside the file names the feature extractor; eval reports that id with
 * every FID/KID figure.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { cardFromMetadata, classifierSpec } from '../runtime/core/card';
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
  /** Name of the image input and the image shape (NCHW) the card gives. */
  input: string;
  image: { channels: number; height: number; width: number; range: [number, number] };
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
    const { card } = cardFromMetadata(readOnnxMetadata(bytes), file);
    const spec = classifierSpec(card, file);
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
    for (const out of [spec.io.logits, spec.io.features]) {
      if (!session.outputNames.includes(out)) throw new Error(`${file}: has no output "${out}" (outputs: ${session.outputNames.join(', ')})`);
    }
    const info: ClassifierInfo = {
      file,
      name: spec.name,
      numClasses: spec.numClasses,
      classNames: spec.classNames,
      features: spec.featureExtractor.features,
      featureOutput: spec.io.features,
      input: spec.io.x,
      image: spec.image,
      extractorId: spec.featureExtractor.id,
      training: spec.training,
    };
    return new ClassifierModel(session, info);
  }

  /** Pixels per image (channels x height x width of the card). */
  get pixels(): number {
    const im = this.info.image;
    return im.channels * im.height * im.width;
  }

  /** Logits [n, K] and features [n, F] of images [n * pixels] (NCHW; for one channel the same as NHWC) in the card's pixel range. */
  async run(images: Float32Array, n: number, onBatch?: (done: number) => void): Promise<{ logits: Float32Array; features: Float32Array }> {
    const { channels, height, width } = this.info.image;
    const p = this.pixels;
    if (images.length !== n * p) throw new Error(`classifier input: ${images.length} values are not ${n} images of ${channels}x${height}x${width}`);
    const k = this.info.numClasses;
    const f = this.info.features;
    const logits = new Float32Array(n * k);
    const features = new Float32Array(n * f);
    for (let s = 0; s < n; s += BATCH) {
      const m = Math.min(BATCH, n - s);
      const out = await this.session.run({ [this.info.input]: new ort.Tensor('float32', images.subarray(s * p, (s + m) * p), [m, channels, height, width]) });
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
