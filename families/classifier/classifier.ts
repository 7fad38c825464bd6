/**
 * The Fashion-MNIST classifier the project trains to measure its generators (FID-FMNIST, KID, class fidelity).
 * Images NHWC [N, 28, 28, 1] with pixels in [-1, 1] (the GANs' range), declared as data like every network:
 *
 *   trunk: conv4x4/2 1->c1 (14x14), ReLU; conv3x3 c1->c2, ReLU; conv4x4/2 c2->c2 (7x7), ReLU (each conv
 *          optionally followed by BN); flatten; dense 49*c2 -> F, BN, ReLU            = the features phi(x) [N, F]
 *   head:  dense F -> 10                                                              = the class logits [N, 10]
 *
 * Strided convolutions instead of max-pooling keep the network on the layer kinds layers.ts and export already
 * have. The features are the penultimate layer, where FID is computed; they are fixed once the classifier is
 * trained and exported, and the exported card names them by a hash of the weights (eval/extractor.ts) so figures
 * computed with different extractors are never compared.
 *
 * `classifierDefinition(config)` is pure; the checkpoint's config holds `net: ClassifierConfig`, which is all export
 * needs to rebuild the definition. Parameter names all start with `cls.`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { ApplyOptions, applyStack, initParams, LayerSpec, Params, Stack } from '../../training/nets/layers';

/** The data's image shape (training/data/fashion-mnist.ts), which the network's layer sizes are built for. */
import { IMAGE_SHAPE as CLASSIFIER_IMAGE_SHAPE } from '../../training/data/fashion-mnist';
export { CLASSIFIER_IMAGE_SHAPE };

export interface ClassifierConfig {
  numClasses: number;
  /** Channels of the first conv (14x14), and of the second (14x14) and third (7x7). */
  channels1: number;
  channels2: number;
  /** Size of the feature layer (the penultimate layer: FID's feature space). */
  features: number;
  /** Batch norm after each conv (the feature layer always has one). Off by default: on the wasm backend the
   *  reductions over [N, 14, 14, C] cost about as much as the convolutions themselves. */
  convBatchNorm: boolean;
  bnMomentum: number;
  bnEps: number;
}

export const CLASSIFIER_DEFAULTS: ClassifierConfig = { numClasses: 10, channels1: 32, channels2: 32, features: 256, convBatchNorm: false, bnMomentum: 0.1, bnEps: 1e-5 };

export interface ClassifierDefinition {
  config: ClassifierConfig;
  imageShape: readonly [28, 28, 1];
  /** image [N, 28, 28, 1] -> features [N, config.features]. */
  trunk: Stack;
  /** features -> logits [N, numClasses]. */
  head: Stack;
}

/** Checks a (possibly partial, possibly read from a file) config and fills the defaults. */
export function classifierConfig(partial: Partial<ClassifierConfig> = {}): ClassifierConfig {
  if (partial === null || typeof partial !== 'object') throw new Error(`classifier config: expected an object, got ${JSON.stringify(partial)}`);
  const c: ClassifierConfig = { ...CLASSIFIER_DEFAULTS, ...partial };
  for (const k of ['numClasses', 'channels1', 'channels2', 'features'] as const) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`classifier config: ${k} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (c.numClasses < 2) throw new Error(`classifier config: numClasses must be at least 2, got ${c.numClasses}`);
  if (typeof c.convBatchNorm !== 'boolean') throw new Error(`classifier config: convBatchNorm must be a boolean, got ${JSON.stringify(c.convBatchNorm)}`);
  for (const k of ['bnMomentum', 'bnEps'] as const) {
    if (typeof c[k] !== 'number' || !(c[k] >= 0)) throw new Error(`classifier config: ${k} must be a non-negative number, got ${JSON.stringify(c[k])}`);
  }
  return c;
}

export function classifierDefinition(partial: Partial<ClassifierConfig> = {}): ClassifierDefinition {
  const c = classifierConfig(partial);
  const bn = (name: string, features: number): LayerSpec => ({ kind: 'batchNorm', name, features, eps: c.bnEps, momentum: c.bnMomentum });
  const convBn = (name: string, features: number): LayerSpec[] => (c.convBatchNorm ? [bn(name, features)] : []);
  const { channels1: c1, channels2: c2 } = c;
  const trunk: Stack = [
    // PyTorch's Conv2d(k=4, s=2, p=1): 28 -> 14. Striding first keeps 28x28 activations out of the network, where
    // the batch-norm reductions and the filter gradient cost most on the wasm backend.
    { kind: 'conv2d', name: 'cls.conv1', inChannels: 1, filters: c1, kernel: 4, stride: 2, padding: 1 },
    ...convBn('cls.bn1', c1),
    { kind: 'relu' },
    { kind: 'conv2d', name: 'cls.conv2', inChannels: c1, filters: c2, kernel: 3, stride: 1, padding: 1 },
    ...convBn('cls.bn2', c2),
    { kind: 'relu' },
    // 14 -> 7.
    { kind: 'conv2d', name: 'cls.conv3', inChannels: c2, filters: c2, kernel: 4, stride: 2, padding: 1 },
    ...convBn('cls.bn3', c2),
    { kind: 'relu' },
    { kind: 'reshape', shape: [7 * 7 * c2] },
    { kind: 'dense', name: 'cls.fc1', inFeatures: 7 * 7 * c2, units: c.features },
    bn('cls.bn4', c.features),
    { kind: 'relu' },
  ];
  const head: Stack = [{ kind: 'dense', name: 'cls.out', inFeatures: c.features, units: c.numClasses }];
  return { config: c, imageShape: CLASSIFIER_IMAGE_SHAPE, trunk, head };
}

export function initClassifierParams(def: ClassifierDefinition, rng: Random): Params {
  const params = initParams(def.trunk, rng);
  return initParams(def.head, rng, params);
}

/** Features [N, F] and logits [N, K] of images [N, 28, 28, 1] in [-1, 1]. */
export function classify(def: ClassifierDefinition, params: Params, x: tf.Tensor4D, opts: ApplyOptions): { features: tf.Tensor2D; logits: tf.Tensor2D } {
  const features = applyStack(def.trunk, params, x, opts) as tf.Tensor2D;
  const logits = applyStack(def.head, params, features, opts) as tf.Tensor2D;
  return { features, logits };
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels [N] (nats). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const k = logits.shape[1];
  const oneHot = tf.oneHot(tf.cast(labels, 'int32'), k);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}
