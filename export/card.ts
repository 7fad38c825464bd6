/**
 * The model card: what an exported model is and how to call it, as models/<name>/card.json and, the same JSON,
 * inside every .onnx file of the model as metadata_props (key `dgm.card`), so an app holding only one .onnx file
 * knows its inputs, outputs, latent size, classes and pixel range. Keys of metadata_props:
 *   dgm.card    the whole card (JSON, below)
 *   dgm.role    what this file computes: generator | discriminator | log_prob | sample
 *   dgm.name    the model's name (= its runs/ and models/ folder name)
 *   dgm.format  the card format, CARD_FORMAT
 *   dgm.id      the model's id (= card.id): every file of one export carries the same one
 *   dgm.card.sha256  sha256 of the dgm.card text; with files[i].sha256 (the file without its metadata_props)
 *               this is what the runtime verifies at load (runtime/core/integrity.ts)
 */
import { Dim } from './onnx/graph-builder';
import { IR_VERSION, OPSET } from './onnx/proto';
import { PRODUCER } from './onnx/model';
import { CARD_FORMAT, GraphCard, ImageFacts } from '../runtime/core/card';
import { CARD_SHA_KEY, ID_KEY, Sha256, textSha256 } from '../runtime/core/integrity';

// The fields the runtime reads (format id, per-file graph descriptions, image facts) are declared once, in
// runtime/core/card.ts: export may import runtime (data flows that way), runtime may not import export.
export { CARD_FORMAT };
export type { GraphCard, ImageFacts };

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

export interface ModelCard {
  format: typeof CARD_FORMAT;
  name: string;
  /** `<name>@<16 hex digits>`: a hash over every file's name and sha256 (runtime/core/integrity.ts modelId). */
  id: string;
  /** The checkpoint's kind (e.g. 'maf', 'gan', 'cgan', 'wgan-gp'). */
  kind: string;
  family: 'gan' | 'maf' | 'classifier';
  description: string;
  files: GraphCard[];
  /** How the files store the weights: 'float16' means float16 initializers cast to float32 (computed in float32). */
  weights?: 'float32' | 'float16';
  /** z size: the generator's latent size, or D for a flow (its latent has the data's shape). */
  latentSize: number;
  numClasses: number;
  /** Class names of a conditional model (label i is classNames[i]); [] when unconditional. */
  classNames: string[];
  /** GAN images. */
  image?: ImageFacts;
  /** Classifiers: which feature extractor the `features` output is (eval/extractor.ts); FID/KID figures computed
   *  with different ids are never compared. */
  featureExtractor?: { id: string; version: string; sha256: string; output: string; features: number };
  /** Flows: the coordinates x lives in (e.g. moons standardised, or logit-transformed dequantised pixels). */
  data?: { dimensions: number; space: string; details?: Record<string, unknown> };
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

export function exportFacts(commit: { commit: string; dirty: boolean }, now = new Date()): ModelCard['export'] {
  return { commit: commit.commit, dirty: commit.dirty, opset: OPSET, irVersion: IR_VERSION, producer: PRODUCER, exportedAt: now.toISOString() };
}

/** The metadata_props of one file of the model: the card, its hash and the keys the runtime verifies. Platform-free:
 *  the caller passes the sha256 (Node's crypto in export, WebCrypto in the page). */
export async function cardMetadata(card: ModelCard, role: string, sha256: Sha256): Promise<Record<string, string>> {
  const json = JSON.stringify(card);
  return { 'dgm.format': CARD_FORMAT, 'dgm.name': card.name, [ID_KEY]: card.id, 'dgm.role': role, 'dgm.card': json, [CARD_SHA_KEY]: await textSha256(json, sha256) };
}

/** Parses and checks a card (from card.json or from `dgm.card`); errors name what is wrong. */
export function parseCard(json: string, where: string): ModelCard {
  let c: unknown;
  try {
    c = JSON.parse(json);
  } catch (e) {
    throw new Error(`${where}: model card is not valid JSON (${(e as Error).message})`);
  }
  const card = c as Partial<ModelCard>;
  if (!card || typeof card !== 'object' || card.format !== CARD_FORMAT) {
    throw new Error(`${where}: not a model card of format ${CARD_FORMAT} (format: ${JSON.stringify(card?.format)})`);
  }
  for (const k of ['name', 'kind', 'family', 'files', 'latentSize'] as const) {
    if (card[k] === undefined) throw new Error(`${where}: model card has no "${k}"`);
  }
  return card as ModelCard;
}

export function shapeText(shape: Dim[]): string {
  return `[${shape.join(', ')}]`;
}
