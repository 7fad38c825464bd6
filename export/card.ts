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
import { ModelCard } from '../runtime/core/card';
import { CARD_SHA_KEY, ID_KEY, Sha256, textSha256 } from '../runtime/core/integrity';

// The schema is declared once, in runtime/core/card.ts (no tfjs: the runtime package imports it); export may import
// runtime (data flows that way), runtime may not import export. This module adds what only the writer needs.
export { CARD_FORMAT, FAMILY_TYPES, parseCard } from '../runtime/core/card';
export type { FamilyType, FeatureExtractorFacts, Float16Deviation, GraphCard, ImageFacts, ModelCard, ParityCheck, TensorDesc } from '../runtime/core/card';

export function exportFacts(commit: { commit: string; dirty: boolean }, now = new Date()): ModelCard['export'] {
  return { commit: commit.commit, dirty: commit.dirty, opset: OPSET, irVersion: IR_VERSION, producer: PRODUCER, exportedAt: now.toISOString() };
}

/** The metadata_props of one file of the model: the card, its hash and the keys the runtime verifies. Platform-free:
 *  the caller passes the sha256 (Node's crypto in export, WebCrypto in the page). */
export async function cardMetadata(card: ModelCard & { id: string }, role: string, sha256: Sha256): Promise<Record<string, string>> {
  const json = JSON.stringify(card);
  return { 'dgm.format': card.format, 'dgm.name': card.name, [ID_KEY]: card.id, 'dgm.role': role, 'dgm.card': json, [CARD_SHA_KEY]: await textSha256(json, sha256) };
}

export function shapeText(shape: Dim[]): string {
  return `[${shape.join(', ')}]`;
}
