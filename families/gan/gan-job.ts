/** An ExportJob for a GAN: generator (model.onnx) and discriminator (discriminator.onnx). */
import { GanDefinition } from './gan-nets';
import type { GanLoss } from './gan-common';
import { Params } from '../../training/nets/layers';
import { ModelCard } from '../../export/card';
import { BuiltGraph } from '../../export/graphs/built-graph';
import { discriminatorGraph } from './discriminator';
import { generatorGraph } from './generator';
import { ExportJob } from '../../export/export-model';
import { WeightMap } from '../../export/lower/types';
import { RealImages } from '../../export/validate';
import { ganParity } from './gan-parity';

export const GAN_FILES = { generator: 'model.onnx', discriminator: 'discriminator.onnx' } as const;

export interface GanJobInput {
  name: string;
  kind: string;
  /** The run's variant ('gan', 'cgan', 'wgan-gp') and its loss: a WGAN-GP discriminator is a critic. */
  variant?: string;
  /** Default 'non-saturating'. */
  loss?: GanLoss;
  def: GanDefinition;
  /** tfjs parameters of both networks (the parity reference) and the same values as export weights. */
  params: Params;
  weights: WeightMap;
  training: ModelCard['training'];
  classNames: readonly string[];
  real?: RealImages;
  parityN?: number;
  reference: string;
}

/** A WGAN-GP discriminator is a critic: its output keeps the name `logit` but is an unbounded score. */
function critic(b: BuiltGraph, loss: GanLoss): BuiltGraph {
  if (loss !== 'wgan-gp') return b;
  return { ...b, outputs: b.outputs.map((o) => (o.name === 'logit' ? { ...o, description: 'critic score (WGAN-GP: unbounded, higher = more real; not a probability logit)' } : o)) };
}

export function ganJob(input: GanJobInput): ExportJob {
  const { def, name } = input;
  const k = def.config.numClasses;
  const [h, w, c] = def.imageShape;
  if (k > 0 && input.classNames.length < k) throw new Error(`model "${name}": ${k} classes but only ${input.classNames.length} class names`);
  return {
    name,
    kind: input.kind,
    family: 'gan',
    type: 'gan',
    ...(input.variant !== undefined ? { variant: input.variant } : {}),
    description:
      `${k > 0 ? `class-conditional GAN (${k} classes, ${def.config.head} discriminator head)` : 'GAN'} on Fashion-MNIST: ` +
      `${GAN_FILES.generator} maps z [N, ${def.config.dimZ}]${k > 0 ? ' and label [N]' : ''} to images [N, ${c}, ${h}, ${w}]; ` +
      `${GAN_FILES.discriminator} maps images${k > 0 ? ' and labels' : ''} to logits [N]`,
    graphs: [
      { file: GAN_FILES.generator, built: generatorGraph(def, input.weights, name) },
      { file: GAN_FILES.discriminator, built: critic(discriminatorGraph(def, input.weights, name), input.loss ?? 'non-saturating') },
    ],
    facts: {
      latentSize: def.config.dimZ,
      numClasses: k,
      classNames: k > 0 ? input.classNames.slice(0, k) : [],
      image: { layout: 'NCHW', channels: c, height: h, width: w, pixelRange: [-1, 1], squashed: def.config.outputTanh },
      training: input.training,
    },
    reference: input.reference,
    parity: (bytes) =>
      ganParity(def, input.params, GAN_FILES, { generator: bytes.get(GAN_FILES.generator)!, discriminator: bytes.get(GAN_FILES.discriminator)! }, { n: input.parityN, real: input.real }),
  };
}
