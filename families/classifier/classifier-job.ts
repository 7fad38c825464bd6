/** An ExportJob for the Fashion-MNIST classifier: one graph (model.onnx) with logits and features outputs. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { ClassifierDefinition, classify } from './classifier';
import { Params } from '../../training/nets/layers';
import { ModelCard, ParityCheck } from '../../export/card';
import { ExportJob } from '../../export/export-model';
import { classifierGraph } from './classifier-graph';
import { WeightMap } from '../../export/lower/types';
import { maxAbsDiff, runOrt } from '../../export/ort';
import { DEFAULT_PARITY_N, RealImages, TOLERANCE } from '../../export/validate';

export const CLASSIFIER_FILE = 'model.onnx';
const TF_BATCH = 250;

export interface ClassifierJobInput {
  name: string;
  kind: string;
  def: ClassifierDefinition;
  params: Params;
  weights: WeightMap;
  training: ModelCard['training'];
  classNames: readonly string[];
  featureExtractor: NonNullable<ModelCard['featureExtractor']>;
  real?: RealImages;
  parityN?: number;
  reference: string;
}

/** tfjs logits and features of images [n * H * W * C] (inference mode), batched. */
function tfOutputs(def: ClassifierDefinition, params: Params, x: Float32Array, n: number): { logits: Float32Array; features: Float32Array } {
  const k = def.config.numClasses;
  const f = def.config.features;
  const [h, w, c] = def.imageShape;
  const px = h * w * c;
  const logits = new Float32Array(n * k);
  const features = new Float32Array(n * f);
  for (let s = 0; s < n; s += TF_BATCH) {
    const m = Math.min(TF_BATCH, n - s);
    const out = tf.tidy(() => classify(def, params, tf.tensor4d(x.subarray(s * px, (s + m) * px), [m, h, w, c]), { training: false }));
    logits.set(out.logits.dataSync() as Float32Array, s * k);
    features.set(out.features.dataSync() as Float32Array, s * f);
    tf.dispose([out.logits, out.features]);
  }
  return { logits, features };
}

export async function classifierParity(def: ClassifierDefinition, params: Params, bytes: Uint8Array, opts: { n?: number; seed?: number; real?: RealImages } = {}): Promise<ParityCheck[]> {
  const n = opts.n ?? DEFAULT_PARITY_N;
  const rng = new Random(opts.seed ?? 1234, 0x70617269);
  const checks: ParityCheck[] = [];
  const compare = async (x: Float32Array, m: number, what: string) => {
    const want = tfOutputs(def, params, x, m);
    const [h, w, c] = def.imageShape;
    const got = await runOrt(bytes, { x: { data: x, dims: [m, c, h, w] } }, 2);
    checks.push({ file: CLASSIFIER_FILE, output: 'logits', inputs: what, n: m, maxAbsError: maxAbsDiff(got.logits.data, want.logits), tolerance: TOLERANCE.logit });
    checks.push({ file: CLASSIFIER_FILE, output: 'features', inputs: what, n: m, maxAbsError: maxAbsDiff(got.features.data, want.features), tolerance: TOLERANCE.logit });
  };
  const [h, w, c] = def.imageShape;
  await compare(rng.fillUniform(new Float32Array(n * h * w * c), -1, 1), n, `${n} images ~ U[-1, 1]`);
  if (opts.real) await compare(opts.real.pixels, opts.real.n, opts.real.what);
  return checks;
}

export function classifierJob(input: ClassifierJobInput): ExportJob {
  const { def, name } = input;
  const k = def.config.numClasses;
  if (input.classNames.length < k) throw new Error(`model "${name}": ${k} classes but only ${input.classNames.length} class names`);
  const [h, w, c] = def.imageShape;
  return {
    name,
    kind: input.kind,
    family: 'classifier',
    type: 'classifier',
    description:
      `Fashion-MNIST classifier: ${CLASSIFIER_FILE} maps images x [N, ${c}, ${h}, ${w}] in [-1, 1] to logits [N, ${k}] and ` +
      `features [N, ${def.config.features}] (the FID/KID feature space, extractor ${input.featureExtractor.id})`,
    graphs: [{ file: CLASSIFIER_FILE, built: classifierGraph(def, input.weights, name) }],
    facts: {
      latentSize: 0,
      numClasses: k,
      classNames: input.classNames.slice(0, k),
      image: { layout: 'NCHW', channels: c, height: h, width: w, pixelRange: [-1, 1], squashed: false },
      featureExtractor: input.featureExtractor,
      training: input.training,
    },
    reference: input.reference,
    parity: (bytes) => classifierParity(def, input.params, bytes.get(CLASSIFIER_FILE)!, { n: input.parityN, real: input.real }),
  };
}
