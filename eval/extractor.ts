/**
 * The identity of a feature extractor: FID and KID are only comparable when computed in the same feature space, so
 * the classifier's card carries an id (definition version + a hash of its config and every weight, batch-norm
 * statistics included) and eval refuses to compare figures whose ids differ.
 */
import { createHash } from 'crypto';

/** Bumped when the meaning of the features changes without the weights changing (e.g. a different layer). */
export const FEATURE_EXTRACTOR_VERSION = 'fmnist-cnn-penultimate/1';

export interface ExtractorIdentity {
  /** `${version}:${first 16 hex digits of sha256}`: what reports print and compare. */
  id: string;
  version: string;
  sha256: string;
}

/** JSON with sorted object keys, so the hash does not depend on key order. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );
}

/** Hash of the network config and its tensors (taken in name order; names, shapes and float32 bytes all count). */
export function extractorIdentity(config: unknown, tensors: readonly { name: string; shape: number[]; data: Float32Array }[]): ExtractorIdentity {
  const h = createHash('sha256');
  h.update(FEATURE_EXTRACTOR_VERSION + '\n' + canonicalJson(config) + '\n');
  for (const t of [...tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    h.update(`${t.name}[${t.shape.join(',')}]\n`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  const sha256 = h.digest('hex');
  return { id: `${FEATURE_EXTRACTOR_VERSION}:${sha256.slice(0, 16)}`, version: FEATURE_EXTRACTOR_VERSION, sha256 };
}

export class ExtractorMismatchError extends Error {}

/** Throws unless two sets of figures were computed with the same feature extractor. */
export function assertSameExtractor(a: { id: string; where: string }, b: { id: string; where: string }): void {
  if (a.id !== b.id) {
    throw new ExtractorMismatchError(
      `cannot compare FID/KID figures: ${a.where} was computed with feature extractor ${a.id}, ${b.where} with ${b.id} ` +
        '(different classifiers give different feature spaces; recompute both with one classifier)',
    );
  }
}
