/**
 * The model card: what an exported model is and how to call it, as models/<name>/card.json and, the same JSON,
 * inside every .onnx file of the model as metadata_props (key `dgm.card`), so a caller holding only the file never
 * repeats it. This module is the one declaration of the card's schema (format 'dgm-model-card/1'): export writes it
 * (export/card.ts adds the writing helpers), the runtime and eval read it with parseCard. No tfjs here: the runtime
 * package imports this file.
 *
 * `family` is the model family (the checkpoint kind: 'maf', 'gan', 'classifier', ...); `type` says which API loads
 * it: 'flow' (runtime Flow), 'gan' (GanSampler) or 'classifier' (eval's ClassifierModel). Cards written before
 * `type` existed derive it from their family (LEGACY_FAMILY_TYPES); any other card without `type` is refused with
 * the command that re-exports it.
 */

export const CARD_FORMAT = 'dgm-model-card/1';
export const CARD_KEY = 'dgm.card';
export const ROLE_KEY = 'dgm.role';

export type Role = 'generator' | 'discriminator' | 'log_prob' | 'sample' | 'classifier';
const ROLES: readonly Role[] = ['generator', 'discriminator', 'log_prob', 'sample', 'classifier'];

/** Which runtime API loads a model. */
export type FamilyType = 'flow' | 'gan' | 'classifier';
export const FAMILY_TYPES: readonly FamilyType[] = ['flow', 'gan', 'classifier'];

/** The families cards carried before the `type` field, and their types: what a card without `type` may be. */
export const LEGACY_FAMILY_TYPES: Readonly<Record<string, FamilyType>> = Object.freeze({ maf: 'flow', gan: 'gan', classifier: 'classifier' });

export interface TensorDesc {
  name: string;
  dtype: 'float32' | 'int64';
  shape: (number | string)[];
  description: string;
}

export interface GraphCard {
  file: string;
  role: Role;
  inputs: TensorDesc[];
  outputs: TensorDesc[];
  bytes: number;
  /** sha256 of the file without its metadata_props (core/integrity.ts); absent in cards exported before it. */
  sha256?: string;
}

export interface ImageFacts {
  /** The ONNX image tensors are NCHW. */
  layout: 'NCHW';
  channels: number;
  height: number;
  width: number;
  /** Range of the pixels the model was trained on; generator outputs are meant for this range. */
  pixelRange: [number, number];
  /** Whether the generator's last layer squashes into pixelRange (tanh) or only learned to stay near it. */
  squashed: boolean;
}

export interface ParityCheck {
  file: string;
  output: string;
  /** What was fed: e.g. '1000 z ~ N(0, I)', '1000 Fashion-MNIST test images'. */
  inputs: string;
  n: number;
  maxAbsError: number;
  tolerance: number;
  unit?: string;
  /** A relative part of the bound: |error| <= tolerance + relTolerance |tfjs value| (sampled coordinates). */
  relTolerance?: number;
  /** Whether every element met the bound, for checks with a relative part. */
  withinTolerance?: boolean;
  /** For a failed check: the flat index of the largest error and the two values there. */
  worst?: { index: number; got: number; want: number };
}

/** What storing the weights as float16 changes: the same inputs as a parity check, against the same tfjs reference. */
export type Float16Deviation = Pick<ParityCheck, 'file' | 'output' | 'inputs' | 'n' | 'maxAbsError' | 'unit'>;

/** Classifiers: which feature extractor the `features` output is (eval/extractor.ts); FID/KID figures computed with
 *  different ids are never compared. */
export interface FeatureExtractorFacts {
  id: string;
  version: string;
  sha256: string;
  output: string;
  features: number;
}

export interface ModelCard {
  format: typeof CARD_FORMAT;
  name: string;
  /** `<name>@<16 hex digits>`: a hash over every file's name and sha256 (core/integrity.ts modelId), carried by each
   *  file as `dgm.id`; absent in cards exported before it. */
  id?: string;
  /** The checkpoint's kind: the family, or for checkpoints older than the family kinds the variant ('cgan', 'wgan-gp'). */
  kind: string;
  /** The model family (families/<family>/ in the repository). */
  family: string;
  /** Which runtime API loads it; parseCard fills it in for older cards (LEGACY_FAMILY_TYPES). */
  type: FamilyType;
  /** The family's variant the run trained (e.g. 'cgan', 'wgan-gp' of family 'gan'); absent when the family has none. */
  variant?: string;
  description: string;
  files: GraphCard[];
  /** How the files store the weights: 'float16' means float16 initializers cast to float32 (computed in float32). */
  weights?: 'float32' | 'float16';
  /** z size: the generator's latent size, or D for a flow (its latent has the data's shape). */
  latentSize: number;
  numClasses: number;
  /** Class names of a conditional model (label i is classNames[i]); [] when unconditional. */
  classNames: string[];
  /** GAN and classifier images. */
  image?: ImageFacts;
  featureExtractor?: FeatureExtractorFacts;
  /** Flows: the coordinates x lives in (e.g. moons standardised, or logit-transformed dequantised pixels);
   *  `details.image` { channels, height, width } when x holds images. */
  data?: { dimensions: number; space: string; details?: Record<string, unknown> };
  /** Where the model came from (read for reports; not checked at load). */
  training: {
    run: string;
    checkpoint: string;
    step: number;
    epoch: number;
    config: unknown;
    /** Last logged value of each metric of the run (metrics.jsonl), and the best one where the run tracked it. */
    metrics: Record<string, number>;
    meta?: Record<string, unknown>;
  };
  parity: {
    reference: string;
    runtime: string;
    checks: ParityCheck[];
    /** Files with float16 weights: their measured deviation from the float32 reference. */
    float16?: Float16Deviation[];
  };
  checker: { ran: boolean; detail: string };
  export: {
    commit: string;
    dirty: boolean;
    opset: number;
    irVersion: number;
    producer: string;
    exportedAt: string;
  };
}

/** What a GAN sampler needs, resolved from the card and the generator file's graph description. */
export interface GanSpec {
  name: string;
  kind: string;
  description: string;
  latentDim: number;
  numClasses: number;
  classNames: string[];
  image: { channels: number; height: number; width: number; range: [number, number]; squashed: boolean };
  io: { z: string; label?: string; image: string };
}

/**
 * How a flow's coordinates x relate to the data, from the card's `data.details.transform` (written by the run that
 * trained the flow). Without one, x is the data as given.
 *  - standardize: x = (r - mean) / std per dimension; log p(r) = log p(x) - sum(log std).
 *  - logit: 8-bit pixels p dequantised to u = (p + noise) / levels in [0, 1), x = logit(lambda + (1 - 2 lambda) u);
 *    log p(u) = log p(x) + log|dx/du|, and bits/dim = (-log p(u) + D log levels) / (D log 2).
 */
export type DataTransform =
  | { kind: 'identity' }
  | { kind: 'standardize'; mean: number[]; std: number[] }
  | { kind: 'logit'; lambda: number; levels: number };

export interface FlowSpec {
  name: string;
  kind: string;
  description: string;
  dims: number;
  space: string;
  transform: DataTransform;
  /** Image shape of the data when the flow models images (from data.details.image, or a square of D pixels). */
  image?: { channels: number; height: number; width: number };
  logProb?: { file: string; x: string; logProb: string };
  sample?: { file: string; z: string; x: string };
}

export class CardError extends Error {}

function fail(where: string, msg: string): never {
  throw new CardError(`${where}: ${msg}`);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(where: string, field: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(where, `model card field "${field}" must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function str(where: string, field: string, v: unknown): string {
  if (typeof v !== 'string') fail(where, `model card field "${field}" must be a string, got ${JSON.stringify(v)}`);
  return v;
}

function tensorDescs(where: string, field: string, v: unknown): TensorDesc[] {
  if (!Array.isArray(v)) fail(where, `model card field "${field}" must be a list of tensors`);
  return v.map((t, i) => {
    if (!isObj(t)) fail(where, `model card field "${field}[${i}]" must be an object`);
    const name = str(where, `${field}[${i}].name`, t.name);
    if (t.dtype !== 'float32' && t.dtype !== 'int64') fail(where, `model card field "${field}[${i}].dtype" must be float32 or int64, got ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => typeof d === 'string' || (typeof d === 'number' && Number.isInteger(d)))) {
      fail(where, `model card field "${field}[${i}].shape" must be a list of sizes or symbols`);
    }
    return { name, dtype: t.dtype, shape: t.shape as (number | string)[], description: typeof t.description === 'string' ? t.description : '' };
  });
}

/** Parses and checks the card JSON; `where` names the file in every error. */
export function parseCard(json: string, where: string): ModelCard {
  let c: unknown;
  try {
    c = JSON.parse(json);
  } catch (e) {
    fail(where, `model card is not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(c)) fail(where, 'model card must be a JSON object');
  if (c.format !== CARD_FORMAT) fail(where, `not a model card of format ${CARD_FORMAT} (format: ${JSON.stringify(c.format)})`);
  str(where, 'name', c.name);
  str(where, 'kind', c.kind);
  const family = str(where, 'family', c.family);
  if (c.type === undefined) {
    const legacy = LEGACY_FAMILY_TYPES[family];
    if (!legacy) {
      fail(where, `model card of family ${JSON.stringify(family)} has no "type" (${FAMILY_TYPES.join(', ')}), so no API knows how to load it: re-export it with \`dgm export <run>\``);
    }
    c.type = legacy;
  } else if (!FAMILY_TYPES.includes(c.type as FamilyType)) {
    fail(where, `model card field "type" must be one of ${FAMILY_TYPES.join(', ')}, got ${JSON.stringify(c.type)}`);
  }
  if (c.variant !== undefined) str(where, 'variant', c.variant);
  if (typeof c.description !== 'string') c.description = '';
  if (c.type !== 'classifier') posInt(where, 'latentSize', c.latentSize);
  posInt(where, 'numClasses', c.numClasses, 0);
  if (!Array.isArray(c.classNames) || !c.classNames.every((s) => typeof s === 'string')) fail(where, 'model card field "classNames" must be a list of strings');
  if ((c.numClasses as number) > 0 && c.classNames.length !== c.numClasses) {
    fail(where, `model card has numClasses ${c.numClasses} but ${c.classNames.length} class names`);
  }
  if (!Array.isArray(c.files) || c.files.length === 0) fail(where, 'model card field "files" must be a non-empty list');
  c.files.forEach((f, i) => {
    if (!isObj(f)) fail(where, `model card field "files[${i}]" must be an object`);
    const file = str(where, `files[${i}].file`, f.file);
    if (!/^[A-Za-z0-9_.-]+\.onnx$/.test(file) || file.startsWith('.')) fail(where, `model card field "files[${i}].file" must be a plain .onnx file name, got ${JSON.stringify(file)}`);
    if (!ROLES.includes(f.role as Role)) fail(where, `model card field "files[${i}].role" must be one of ${ROLES.join(', ')}, got ${JSON.stringify(f.role)}`);
    f.inputs = tensorDescs(where, `files[${i}].inputs`, f.inputs);
    f.outputs = tensorDescs(where, `files[${i}].outputs`, f.outputs);
  });
  if (c.type === 'gan') {
    const im = c.image;
    if (!isObj(im)) fail(where, 'a GAN model card needs "image"');
    for (const k of ['channels', 'height', 'width'] as const) posInt(where, `image.${k}`, im[k]);
    const r = im.pixelRange;
    if (!Array.isArray(r) || r.length !== 2 || !r.every((v) => typeof v === 'number' && Number.isFinite(v)) || !(r[0] < r[1])) {
      fail(where, `model card field "image.pixelRange" must be [lo, hi] with lo < hi, got ${JSON.stringify(r)}`);
    }
  } else if (c.type === 'flow') {
    const d = c.data;
    if (!isObj(d)) fail(where, 'a flow model card needs "data"');
    posInt(where, 'data.dimensions', d.dimensions);
    if (d.dimensions !== c.latentSize) fail(where, `model card has data.dimensions ${d.dimensions} but latentSize ${c.latentSize} (a flow's latent has the data's shape)`);
    if (typeof d.space !== 'string') d.space = '';
  }
  return c as unknown as ModelCard;
}

/** The card and this file's role from an ONNX file's metadata_props. */
export function cardFromMetadata(props: Record<string, string>, where: string): { card: ModelCard; role: Role; file: GraphCard } {
  const json = props[CARD_KEY];
  if (json === undefined) {
    const keys = Object.keys(props);
    fail(where, `has no model card (metadata_props key "${CARD_KEY}"; keys present: ${keys.length ? keys.join(', ') : 'none'}): export it with \`dgm export\``);
  }
  const card = parseCard(json, where);
  const role = props[ROLE_KEY] as Role;
  if (!ROLES.includes(role)) fail(where, `metadata_props "${ROLE_KEY}" must be one of ${ROLES.join(', ')}, got ${JSON.stringify(props[ROLE_KEY])}`);
  const file = card.files.find((f) => f.role === role);
  if (!file) fail(where, `model card lists no file with role ${role}`);
  return { card, role, file };
}

function tensor(where: string, g: GraphCard, side: 'inputs' | 'outputs', name: string, dtype: TensorDesc['dtype']): string {
  const t = g[side].find((x) => x.name === name);
  if (!t) fail(where, `${g.file} (${g.role}) has no ${side.slice(0, -1)} "${name}" (${side}: ${g[side].map((x) => x.name).join(', ')})`);
  if (t.dtype !== dtype) fail(where, `${g.file} ${side.slice(0, -1)} "${name}" is ${t.dtype}, expected ${dtype}`);
  return t.name;
}

export function ganSpec(card: ModelCard, where: string): GanSpec {
  if (card.type !== 'gan') fail(where, `is a ${card.family} model (${card.variant ?? card.kind}), not a GAN${card.type === 'flow' ? ': load it as a Flow' : ''}`);
  const gen = card.files.find((f) => f.role === 'generator');
  if (!gen) fail(where, 'model card lists no generator file');
  const im = card.image!;
  const k = card.numClasses;
  return {
    name: card.name,
    kind: card.kind,
    description: card.description,
    latentDim: card.latentSize,
    numClasses: k,
    classNames: card.classNames,
    image: { channels: im.channels, height: im.height, width: im.width, range: [im.pixelRange[0], im.pixelRange[1]], squashed: im.squashed === true },
    io: {
      z: tensor(where, gen, 'inputs', 'z', 'float32'),
      label: k > 0 ? tensor(where, gen, 'inputs', 'label', 'int64') : undefined,
      image: tensor(where, gen, 'outputs', 'image', 'float32'),
    },
  };
}

function numList(where: string, field: string, v: unknown, n: number): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    fail(where, `model card field "${field}" must be a list of ${n} finite numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/**
 * The transform from `data.details` (the training run's data config): an explicit `transform` object, or the keys
 * the runs write: `mean` + `std` (standardised, e.g. two moons) or `lambda` / `logitLambda` (logit of dequantised
 * pixels, 256 levels unless `levels`). Nothing recognisable: x is the data as given.
 */
export function dataTransform(card: ModelCard, where: string): DataTransform {
  return transformOfDetails(card.data?.details ?? {}, card.latentSize, where);
}

/** dataTransform from the `data.details` object alone (d: the flow's dimensions). */
export function transformOfDetails(details: Record<string, unknown>, d: number, where: string): DataTransform {
  let t = details.transform;
  if (t === undefined) {
    if (details.mean !== undefined && details.std !== undefined) t = { kind: 'standardize', mean: details.mean, std: details.std };
    else if (details.lambda !== undefined || details.logitLambda !== undefined) t = { kind: 'logit', lambda: details.lambda ?? details.logitLambda, levels: details.levels };
    else return { kind: 'identity' };
  }
  if (!isObj(t)) fail(where, 'model card field "data.details.transform" must be an object');
  if (t.kind === 'standardize') {
    const std = numList(where, 'data.details.transform.std', t.std, d);
    if (std.some((s) => !(s > 0))) fail(where, 'model card field "data.details.transform.std" must be positive');
    return { kind: 'standardize', mean: numList(where, 'data.details.transform.mean', t.mean, d), std };
  }
  if (t.kind === 'logit') {
    const lambda = t.lambda;
    if (typeof lambda !== 'number' || !(lambda >= 0 && lambda < 0.5)) fail(where, `model card field "data.details.transform.lambda" must be in [0, 0.5), got ${JSON.stringify(lambda)}`);
    const levels = t.levels === undefined ? 256 : posInt(where, 'data.details.transform.levels', t.levels, 2);
    return { kind: 'logit', lambda, levels };
  }
  return fail(where, `model card field "data.details.transform.kind" must be "standardize" or "logit", got ${JSON.stringify(t.kind)}`);
}

export function flowSpec(card: ModelCard, where: string): FlowSpec {
  if (card.type !== 'flow') fail(where, `is a ${card.family} model (${card.variant ?? card.kind}), not a flow${card.type === 'gan' ? ': load it as a GanSampler' : ''}`);
  const d = card.latentSize;
  const lp = card.files.find((f) => f.role === 'log_prob');
  const sm = card.files.find((f) => f.role === 'sample');
  if (!lp && !sm) fail(where, 'model card lists neither a log_prob nor a sample file');
  const transform = dataTransform(card, where);
  let image: FlowSpec['image'];
  const im = card.data?.details?.image;
  if (isObj(im)) {
    image = { channels: posInt(where, 'data.details.image.channels', im.channels), height: posInt(where, 'data.details.image.height', im.height), width: posInt(where, 'data.details.image.width', im.width) };
    if (image.channels * image.height * image.width !== d) fail(where, `model card image ${image.channels}x${image.height}x${image.width} does not hold ${d} dimensions`);
  } else if (transform.kind === 'logit' && Number.isInteger(Math.sqrt(d))) {
    image = { channels: 1, height: Math.sqrt(d), width: Math.sqrt(d) };
  }
  return {
    name: card.name,
    kind: card.kind,
    description: card.description,
    dims: d,
    space: card.data?.space ?? '',
    transform,
    image,
    logProb: lp ? { file: lp.file, x: tensor(where, lp, 'inputs', 'x', 'float32'), logProb: tensor(where, lp, 'outputs', 'log_prob', 'float32') } : undefined,
    sample: sm ? { file: sm.file, z: tensor(where, sm, 'inputs', 'z', 'float32'), x: tensor(where, sm, 'outputs', 'x', 'float32') } : undefined,
  };
}

/** What a classifier's caller needs (eval/classifier-model.ts), resolved from the card and its graph description. */
export interface ClassifierSpec {
  name: string;
  numClasses: number;
  classNames: string[];
  image: { channels: number; height: number; width: number; range: [number, number] };
  /** The feature extractor the `features` output is: FID/KID figures name its id. */
  featureExtractor: FeatureExtractorFacts;
  io: { file: string; x: string; logits: string; features: string };
  training: { run?: string; step?: number; metrics?: Record<string, number> };
}

export function classifierSpec(card: ModelCard, where: string): ClassifierSpec {
  if (card.type !== 'classifier') fail(where, `is a ${card.family} model (${card.variant ?? card.kind}), not a classifier`);
  const g = card.files.find((f) => f.role === 'classifier');
  if (!g) fail(where, 'model card lists no classifier file');
  const fe = card.featureExtractor;
  if (!isObj(fe) || typeof fe.id !== 'string' || typeof fe.output !== 'string') fail(where, 'its card names no feature extractor (featureExtractor.id, .output): re-export it with `dgm export <run>`');
  posInt(where, 'featureExtractor.features', fe.features);
  const im = card.image;
  if (!isObj(im)) fail(where, 'a classifier model card needs "image"');
  const r = im.pixelRange;
  return {
    name: card.name,
    numClasses: posInt(where, 'numClasses', card.numClasses),
    classNames: card.classNames,
    image: {
      channels: posInt(where, 'image.channels', im.channels),
      height: posInt(where, 'image.height', im.height),
      width: posInt(where, 'image.width', im.width),
      range: Array.isArray(r) && r.length === 2 ? [r[0], r[1]] : fail(where, 'model card field "image.pixelRange" must be [lo, hi]'),
    },
    featureExtractor: fe,
    io: { file: g.file, x: tensor(where, g, 'inputs', 'x', 'float32'), logits: tensor(where, g, 'outputs', 'logits', 'float32'), features: tensor(where, g, 'outputs', fe.output, 'float32') },
    training: { run: card.training?.run, step: card.training?.step, metrics: card.training?.metrics },
  };
}
