/**
 * The GAN networks of the course (Fashion-MNIST, images NHWC [N, 28, 28, 1] in [-1, 1]), declared once as data.
 *
 * `ganDefinition(config)` is pure: a JSON-able config in, layer stacks (training/nets/layers.ts) plus a small typed
 * description of how they compose out. Training applies it with `generate` / `discriminate` below; export lowers the
 * same description (generator stack after the label handling; discriminator trunk then head). The checkpoint's
 * `config` is a `GanNetConfig`, which is all export needs to rebuild the definition.
 *
 * Parameter names: every generator layer is named `gen.*`, every discriminator layer `disc.*`, so the two `Params`
 * maps can share one checkpoint without clashes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { ApplyOptions, applyStack, initParams, LayerSpec, Params, Stack } from './layers';

export const IMAGE_SHAPE = [28, 28, 1] as const;

/** How the discriminator turns the trunk features phi(x) [N, F] into one logit per example. */
export type HeadKind = 'dense' | 'projection' | 'miyato';

export interface GanNetConfig {
  /** Latent size. */
  dimZ: number;
  /** 0: unconditional; otherwise the number of classes of the conditional generator and discriminator. */
  numClasses: number;
  /** The course's generator has no output squashing; `true` appends tanh. */
  outputTanh: boolean;
  /** 'dense' for the unconditional models; 'projection' or 'miyato' for the conditional ones. */
  head: HeadKind;
  /** LeakyReLU slope of the discriminator. */
  leak: number;
  /** PyTorch BatchNorm semantics: running = (1 - momentum) * running + momentum * batch. */
  bnMomentum: number;
  bnEps: number;
}

export const GAN_DEFAULTS: GanNetConfig = { dimZ: 64, numClasses: 0, outputTanh: false, head: 'dense', leak: 0.1, bnMomentum: 0.1, bnEps: 1e-5 };
export const CGAN_DEFAULTS: GanNetConfig = { ...GAN_DEFAULTS, numClasses: 10, head: 'projection' };

type DenseSpec = Extract<LayerSpec, { kind: 'dense' }>;

/** Generator input: z alone, or `concat([z, oneHot(y, numClasses)], axis 1)` (z first). */
export type LabelHandling = { kind: 'none' } | { kind: 'concatOneHot'; numClasses: number };

export type DiscriminatorHead =
  /** h(x) = out(phi(x)), out: F -> 1. */
  | { kind: 'dense'; out: DenseSpec }
  /** h(x, y) = y^T (A phi(x) + b): `proj` is the dense F -> numClasses layer holding A^T (kernel) and b (bias). */
  | { kind: 'projection'; numClasses: number; proj: DenseSpec }
  /** Miyato & Koyama (2018): h(x, y) = psi(phi(x)) + embed(y)^T phi(x); psi: F -> 1, embedding [numClasses, F]. */
  | { kind: 'miyato'; numClasses: number; psi: DenseSpec; embedding: { name: string; shape: [number, number] } };

export interface GanDefinition {
  config: GanNetConfig;
  imageShape: readonly [28, 28, 1];
  generator: { labels: LabelHandling; inFeatures: number; stack: Stack };
  /** trunk: image [N, 28, 28, 1] -> phi [N, features]. */
  discriminator: { trunk: Stack; features: number; head: DiscriminatorHead; labels: LabelHandling };
}

/** Checks a (possibly partial, possibly read from a file) config and fills the defaults. */
export function ganNetConfig(partial: Partial<GanNetConfig> = {}): GanNetConfig {
  const c: GanNetConfig = { ...GAN_DEFAULTS, ...partial };
  const posInt = (k: keyof GanNetConfig) => {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`GAN config: ${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
  };
  posInt('dimZ');
  posInt('numClasses');
  if (c.dimZ < 1) throw new Error(`GAN config: dimZ must be at least 1, got ${c.dimZ}`);
  if (!['dense', 'projection', 'miyato'].includes(c.head)) throw new Error(`GAN config: head must be dense, projection or miyato, got ${JSON.stringify(c.head)}`);
  if (c.numClasses === 0 && c.head !== 'dense') throw new Error(`GAN config: head ${c.head} needs numClasses > 0`);
  if (c.numClasses > 0 && c.head === 'dense') throw new Error(`GAN config: a conditional model (numClasses ${c.numClasses}) needs head projection or miyato`);
  if (typeof c.outputTanh !== 'boolean') throw new Error(`GAN config: outputTanh must be a boolean, got ${JSON.stringify(c.outputTanh)}`);
  for (const k of ['leak', 'bnMomentum', 'bnEps'] as const) {
    if (typeof c[k] !== 'number' || !(c[k] >= 0)) throw new Error(`GAN config: ${k} must be a non-negative number, got ${JSON.stringify(c[k])}`);
  }
  return c;
}

export function ganDefinition(partial: Partial<GanNetConfig> = {}): GanDefinition {
  const c = ganNetConfig(partial);
  const labels: LabelHandling = c.numClasses > 0 ? { kind: 'concatOneHot', numClasses: c.numClasses } : { kind: 'none' };
  const inFeatures = c.dimZ + c.numClasses;
  const bn = (name: string, features: number): LayerSpec => ({ kind: 'batchNorm', name, features, eps: c.bnEps, momentum: c.bnMomentum });
  const generator: Stack = [
    { kind: 'dense', name: 'gen.fc1', inFeatures, units: 512 },
    bn('gen.bn1', 512),
    { kind: 'relu' },
    { kind: 'dense', name: 'gen.fc2', inFeatures: 512, units: 7 * 7 * 64 },
    bn('gen.bn2', 7 * 7 * 64),
    { kind: 'relu' },
    { kind: 'reshape', shape: [7, 7, 64] },
    { kind: 'pixelShuffle', factor: 2 }, // -> [14, 14, 16]
    { kind: 'conv2d', name: 'gen.conv1', inChannels: 16, filters: 32, kernel: 3, stride: 1, padding: 1 },
    bn('gen.bn3', 32),
    { kind: 'relu' },
    { kind: 'pixelShuffle', factor: 2 }, // -> [28, 28, 8]
    { kind: 'conv2d', name: 'gen.conv2', inChannels: 8, filters: 1, kernel: 3, stride: 1, padding: 1 },
    ...(c.outputTanh ? [{ kind: 'tanh' } as LayerSpec] : []),
  ];
  const features = 512;
  const trunk: Stack = [
    // Explicit padding 1 (PyTorch's Conv2d(k=4, s=2, p=1)): 28 -> 14 -> 7.
    { kind: 'conv2d', name: 'disc.conv1', inChannels: 1, filters: 32, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: c.leak },
    { kind: 'conv2d', name: 'disc.conv2', inChannels: 32, filters: 64, kernel: 4, stride: 2, padding: 1 },
    { kind: 'leakyRelu', alpha: c.leak },
    { kind: 'reshape', shape: [7 * 7 * 64] },
    { kind: 'dense', name: 'disc.fc1', inFeatures: 7 * 7 * 64, units: features },
    { kind: 'leakyRelu', alpha: c.leak },
  ];
  let head: DiscriminatorHead;
  if (c.head === 'dense') head = { kind: 'dense', out: { kind: 'dense', name: 'disc.out', inFeatures: features, units: 1 } };
  else if (c.head === 'projection') head = { kind: 'projection', numClasses: c.numClasses, proj: { kind: 'dense', name: 'disc.proj', inFeatures: features, units: c.numClasses } };
  else {
    head = {
      kind: 'miyato',
      numClasses: c.numClasses,
      psi: { kind: 'dense', name: 'disc.psi', inFeatures: features, units: 1 },
      embedding: { name: 'disc.embed.weight', shape: [c.numClasses, features] },
    };
  }
  return { config: c, imageShape: IMAGE_SHAPE, generator: { labels, inFeatures, stack: generator }, discriminator: { trunk, features, head, labels } };
}

/**
 * A head as the sum of its terms, each [N] from phi [N, F]: the one definition of how the head kinds compose, which
 * `applyHead` (tfjs) and export/graphs/discriminator.ts (ONNX) both interpret term by term.
 *   stack:         stack(phi) [N, 1] as [N]
 *   stackAtLabel:  stack(phi) [N, K] read at column label (y^T scores)
 *   embeddingDot:  <embedding[label], phi> (the embedding [K, F] is a parameter of its own)
 */
export type HeadTerm =
  | { kind: 'stack'; stack: Stack }
  | { kind: 'stackAtLabel'; stack: Stack; numClasses: number }
  | { kind: 'embeddingDot'; embedding: { name: string; shape: [number, number] } };

export function headTerms(head: DiscriminatorHead): HeadTerm[] {
  if (head.kind === 'dense') return [{ kind: 'stack', stack: [head.out] }];
  if (head.kind === 'projection') return [{ kind: 'stackAtLabel', stack: [head.proj], numClasses: head.numClasses }];
  return [{ kind: 'stack', stack: [head.psi] }, { kind: 'embeddingDot', embedding: head.embedding }];
}

/** Whether a term reads the label. */
export const termNeedsLabel = (t: HeadTerm): boolean => t.kind !== 'stack';

/** The layers of the head that are plain layer specs (initialised and named like any other layer). */
export function headStack(head: DiscriminatorHead): Stack {
  return headTerms(head).flatMap((t) => (t.kind === 'embeddingDot' ? [] : t.stack));
}

/**
 * Fresh parameters for both networks. Layers use PyTorch's default initialisation (layers.ts initParams). The Miyato
 * embedding is drawn like a dense kernel with fan-in F (U(-1/sqrt F, 1/sqrt F)) rather than nn.Embedding's N(0, 1):
 * with N(0, 1) the class term embed(y)^T phi alone would start with logits of order sqrt(F) * |phi|, far from the
 * "logits near 0 at initialisation" every other head starts from.
 */
export function initGanParams(def: GanDefinition, rng: Random): { gen: Params; disc: Params } {
  const gen = initParams(def.generator.stack, rng);
  const disc = initParams([...def.discriminator.trunk, ...headStack(def.discriminator.head)], rng);
  const head = def.discriminator.head;
  if (head.kind === 'miyato') {
    const [k, f] = head.embedding.shape;
    const data = rng.fillUniform(new Float32Array(k * f), -1 / Math.sqrt(f), 1 / Math.sqrt(f));
    disc.set(head.embedding.name, tf.variable(tf.tensor2d(data, [k, f]), true, head.embedding.name));
  }
  return { gen, disc };
}

function checkLabels(labels: tf.Tensor | null | undefined, handling: LabelHandling, n: number, who: string): tf.Tensor2D | null {
  if (handling.kind === 'none') {
    if (labels) throw new Error(`${who}: this model is unconditional but labels were given`);
    return null;
  }
  if (!labels) throw new Error(`${who}: this conditional model needs labels (int32 [${n}] in 0..${handling.numClasses - 1})`);
  if (labels.rank !== 1 || labels.shape[0] !== n || labels.dtype !== 'int32') {
    throw new Error(`${who}: labels must be int32 [${n}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  return tf.cast(tf.oneHot(labels as tf.Tensor1D, handling.numClasses), 'float32') as tf.Tensor2D;
}

/** G(z[, y]): z [N, dimZ], labels int32 [N] for the conditional model -> images [N, 28, 28, 1]. */
export function generate(def: GanDefinition, params: Params, z: tf.Tensor2D, labels: tf.Tensor1D | null, opts: ApplyOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const g = def.generator;
    if (z.rank !== 2 || z.shape[1] !== def.config.dimZ) throw new Error(`generator: z must be [N, ${def.config.dimZ}], got [${z.shape.join(', ')}]`);
    const y = checkLabels(labels, g.labels, z.shape[0], 'generator');
    const input = y ? tf.concat([z, y], 1) : z;
    return applyStack(g.stack, params, input, opts) as tf.Tensor4D;
  });
}

/** phi(x): images [N, 28, 28, 1] -> features [N, F]. No normalisation layers, so no training flag matters. */
export function discriminatorFeatures(def: GanDefinition, params: Params, x: tf.Tensor4D): tf.Tensor2D {
  const [, h, w, c] = x.shape;
  if (x.rank !== 4 || h !== def.imageShape[0] || w !== def.imageShape[1] || c !== def.imageShape[2]) {
    throw new Error(`discriminator: images must be [N, ${def.imageShape.join(', ')}], got [${x.shape.join(', ')}]`);
  }
  return applyStack(def.discriminator.trunk, params, x, { training: true }) as tf.Tensor2D;
}

/** h(phi[, y]) for any head, the sum of its headTerms: phi [N, F], one-hot labels [N, K] or null -> logits [N]. */
export function applyHead(head: DiscriminatorHead, params: Params, phi: tf.Tensor2D, yOneHot: tf.Tensor2D | null): tf.Tensor1D {
  const p = (name: string) => {
    const v = params.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
  const term = (t: HeadTerm): tf.Tensor1D => {
    if (t.kind === 'stack') return tf.reshape(applyStack(t.stack, params, phi, { training: true }), [-1]);
    if (!yOneHot) throw new Error(`discriminator head ${head.kind} needs labels`);
    if (t.kind === 'stackAtLabel') return tf.sum(tf.mul(applyStack(t.stack, params, phi, { training: true }), yOneHot), 1);
    const e = tf.matMul(yOneHot, p(t.embedding.name) as tf.Tensor2D); // embedding(y) [N, F]
    return tf.sum(tf.mul(e, phi), 1);
  };
  const terms = headTerms(head);
  if (!yOneHot && terms.some(termNeedsLabel)) throw new Error(`discriminator head ${head.kind} needs labels`);
  return terms.map(term).reduce((a, b) => tf.add(a, b));
}

/** D(x[, y]): images [N, 28, 28, 1], labels int32 [N] for the conditional model -> logits [N] (no sigmoid). */
export function discriminate(def: GanDefinition, params: Params, x: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor1D {
  return tf.tidy(() => {
    const y = checkLabels(labels, def.discriminator.labels, x.shape[0], 'discriminator');
    return applyHead(def.discriminator.head, params, discriminatorFeatures(def, params, x), y);
  });
}
