/**
 * The fixed inputs of the parity suite for one exported model, with tfjs's answer on them (the training
 * definitions on the cpu backend): GAN images and discriminator logits, flow log-densities and samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import { latentNoise } from '../../runtime/core/noise';
import { Random } from '../../runtime/core/random';
import { discriminate, GanDefinition, generate } from '../../families/gan/gan-nets';
import { Params } from '../../training/nets/layers';
import { MafDefinition, mafLogProb, mafSample } from '../../families/maf/maf';
import { RealNvpDefinition, realnvpLogProb, realnvpSample } from '../../families/realnvp/definition';
import type { ParityJob } from './runtimes';
import { keptRows } from '../../export/validate';

export const TOLERANCE = { image: 1e-4, logit: 1e-4, logProb: 1e-3, sample: 1e-3 };

export interface ParityCase {
  model: string;
  output: string;
  inputs: string;
  tolerance: number;
  unit: string;
  job: ParityJob;
  /** tfjs's answer, or undefined where tfjs is too slow to be a reference (see mafCases). */
  tfjs?: Float32Array;
  /** Flow samples: values per row and the divergence bound (see ParityRow.rowWidth, rowBound). */
  rowWidth?: number;
  rowBound?: number;
}

const toRows = (flat: Float32Array, d: number) => Array.from({ length: flat.length / d }, (_, i) => Array.from(flat.subarray(i * d, (i + 1) * d)));

export function ganCases(name: string, dir: string, def: GanDefinition, gen: Params, disc: Params, n = 8): ParityCase[] {
  const k = def.config.numClasses;
  const dimZ = def.config.dimZ;
  const labels = k > 0 ? Array.from({ length: n }, (_, i) => i % k) : undefined;
  const images = tf.tidy(() => generate(def, gen, tf.tensor2d(latentNoise(1, n, dimZ), [n, dimZ]), labels ? tf.tensor1d(labels, 'int32') : null, { training: false }).dataSync() as Float32Array);
  // The discriminator on the generated images (one channel: NHWC and NCHW are the same bytes).
  const logits = tf.tidy(() => discriminate(def, disc, tf.tensor4d(images, [n, 28, 28, 1]), labels ? tf.tensor1d(labels, 'int32') : null).dataSync() as Float32Array);
  const feeds = { x: { type: 'float32' as const, data: Array.from(images), dims: [n, 1, 28, 28] }, ...(labels ? { label: { type: 'int64' as const, data: labels, dims: [n] } } : {}) };
  return [
    { model: name, output: `images [${n}, 28, 28, 1]`, inputs: `seed 1 latent noise${labels ? `, labels ${labels.join(',')}` : ''}`, tolerance: TOLERANCE.image, unit: '', job: { kind: 'gan', model: dir, n, seed: 1, labels }, tfjs: images },
    { model: name, output: `discriminator logits [${n}]`, inputs: 'the tfjs generated images', tolerance: TOLERANCE.logit, unit: '', job: { kind: 'raw', model: dir, file: 'discriminator.onnx', output: 'logit', feeds }, tfjs: logits },
  ];
}

/** Above this D, tfjs's sequential sampling (D passes per flow) is too slow to serve as the samples' reference. */
export const TFJS_SAMPLE_MAX_D = 64;

/**
 * log_prob on 8 of the model's own samples plus `extra` rows (N(0, I) draws for random-init fixtures, real data for
 * trained models: a trained flow can overflow far from its data), and `nSample` samples from seed 5.
 */
export function mafCases(name: string, dir: string, def: MafDefinition, params: Params, nSample: number, extra: { rows: Float32Array; what: string } | 'normal', bound = Infinity): ParityCase[] {
  return flowCases(name, dir, {
    d: def.inputSize,
    sample: (n, seed) => tf.tidy(() => mafSample(def, params, n, seed).dataSync() as Float32Array),
    logProb: (rows, n) => tf.tidy(() => mafLogProb(def, params, tf.tensor2d(rows, [n, def.inputSize])).dataSync() as Float32Array),
    // Sampling is D sequential passes per flow in tfjs.
    tfjsSamples: def.inputSize <= TFJS_SAMPLE_MAX_D,
  }, nSample, extra, bound);
}

/** RealNVP (families/realnvp): single-pass sampling, so tfjs is the samples' reference at every D. */
export function realnvpCases(name: string, dir: string, def: RealNvpDefinition, params: Params, nSample: number, extra: { rows: Float32Array; what: string } | 'normal', bound = Infinity): ParityCase[] {
  return flowCases(name, dir, {
    d: def.inputSize,
    sample: (n, seed) => tf.tidy(() => realnvpSample(def, params, n, seed).dataSync() as Float32Array),
    logProb: (rows, n) => tf.tidy(() => realnvpLogProb(def, params, tf.tensor2d(rows, [n, def.inputSize])).dataSync() as Float32Array),
    tfjsSamples: true,
  }, nSample, extra, bound);
}

interface FlowReference {
  d: number;
  /** n samples [n * d] from the latents of `seed` (runtime/core/noise.ts latentNoise, as every runtime draws). */
  sample(n: number, seed: number): Float32Array;
  logProb(rows: Float32Array, n: number): Float32Array;
  tfjsSamples: boolean;
}

function flowCases(name: string, dir: string, ref: FlowReference, nSample: number, extra: { rows: Float32Array; what: string } | 'normal', bound: number): ParityCase[] {
  const d = ref.d;
  // The density is compared on the samples that stay in range: float32 does not invert a runaway row (see divergedRows).
  const drawn = ref.sample(8, 3);
  const keep = keptRows(drawn, 8, d, bound);
  const own = new Float32Array(keep.length * d);
  keep.forEach((r, i) => own.set(drawn.subarray(r * d, (r + 1) * d), i * d));
  const more = extra === 'normal' ? new Random(4).fillNormal(new Float32Array(8 * d)) : extra.rows;
  const rows = new Float32Array(own.length + more.length);
  rows.set(own);
  rows.set(more, own.length);
  const n = rows.length / d;
  const lp = ref.logProb(rows, n);
  const xs = ref.tfjsSamples ? ref.sample(nSample, 5) : undefined;
  return [
    {
      model: name,
      output: `log_prob [${n}]`,
      inputs: `${keep.length < 8 ? `the ${keep.length} of 8 model samples (seed 3) that stay in range` : "8 of the model's samples"} + ${extra === 'normal' ? '8 x ~ N(0, I)' : extra.what}`,
      tolerance: TOLERANCE.logProb,
      unit: 'nats',
      job: { kind: 'flow-logprob', model: dir, rows: toRows(rows, d) },
      tfjs: lp,
    },
    {
      model: name,
      output: `samples [${nSample}, ${d}]`,
      inputs: `seed 5 latent noise${xs ? '' : ` (no tfjs column: ${d} sequential tfjs passes are too slow here)`}`,
      tolerance: TOLERANCE.sample,
      unit: '',
      job: { kind: 'flow-sample', model: dir, n: nSample, seed: 5 },
      tfjs: xs,
      rowWidth: d,
      ...(Number.isFinite(bound) ? { rowBound: bound } : {}),
    },
  ];
}

/**
 * A tfjs-layers model converted by `dgm convert` (export/convert): one row per output, on seeded random inputs of
 * its float32 input shapes (ids for an Embedding are drawn as convert's own check draws them), with tfjs-layers'
 * predict as the tfjs column. The converted file is written to `dir`/model.onnx.
 */
export async function convertedCases(name: string, dir: string, model: import('@tensorflow/tfjs').LayersModel, n = 4): Promise<ParityCase[]> {
  const { convertLayersModel } = await import('../../export/convert/convert');
  const { sampleInputs, tfjsPredict } = await import('../../export/convert/verify');
  const fs = await import('fs');
  const path = await import('path');
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  const { onnx, report } = await convertLayersModel(saved!, { checker: 'off' });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
  const samples = sampleInputs(model, report.inputs, n, 11);
  if (samples.some((s) => s.dtype !== 'float32')) throw new Error(`${name}: the parity table feeds float32 inputs only`);
  const want = tfjsPredict(model, samples);
  const feeds = Object.fromEntries(samples.map((s) => [s.name, { type: 'float32' as const, data: Array.from(s.data), dims: s.dims }]));
  return report.outputs.map((o, i) => ({
    model: name,
    output: `${o.name} [${[n, ...o.shape.slice(1)].join(', ')}]`,
    inputs: `seed 11: ${samples.map((s) => `${s.name} ${s.drawn}`).join('; ')}`,
    tolerance: TOLERANCE.logit,
    unit: '',
    job: { kind: 'raw' as const, model: dir, file: 'model.onnx', output: o.name, feeds },
    tfjs: want[i],
  }));
}
