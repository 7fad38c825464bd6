/**
 * Integrity of a loaded model: is every file the one its export wrote, and do the files belong together?
 *
 * What export records (export/export-model.ts) and what is checked here:
 *  - `files[i].sha256` in the card: sha256 of that .onnx file's bytes without its metadata_props (graph, weights,
 *    opsets: everything but the card, which cannot hold a hash of itself), and `files[i].bytes`, its whole size;
 *  - `dgm.card.sha256` in each file's metadata_props: sha256 of the card text (`dgm.card`) beside it, so a card
 *    altered inside a file is caught even when no card.json is at hand;
 *  - `id` in the card and `dgm.id` in every file: the model's identity (its name and a hash of all its files'
 *    hashes), so a sibling file taken from another model or another export is refused by name;
 *  - card.json, when present beside the file, must hold the same card as the file.
 * Platform-free: the caller passes the sha256 (Node's crypto in node.ts, WebCrypto in web.ts).
 */
import { CARD_KEY, GraphCard, ModelCard, ROLE_KEY } from './card.js';
import { readOnnxParts } from './onnx-metadata.js';

export const ID_KEY = 'dgm.id';
export const CARD_SHA_KEY = 'dgm.card.sha256';

/** sha256 of the concatenation of `parts`, as 64 lowercase hex digits. */
export type Sha256 = (parts: readonly Uint8Array[]) => string | Promise<string>;

/**
 * A failed check. `detail` is the finding without the way to skip the check, so a command line can name its own
 * flag (`--no-verify`) where the message names the API's (`{ verify: false }`).
 */
export class IntegrityError extends Error {
  constructor(readonly detail: string) {
    super(`${detail} (to skip this check: load with { verify: false })`);
  }
}

/** A model file as a loader opened it: its bytes, metadata_props, the card they hold and this file's entry in it. */
export interface ModelFile {
  where: string;
  bytes: Uint8Array;
  props: Record<string, string>;
  card: ModelCard;
  file: GraphCard;
}

const utf8 = new TextEncoder();

function fail(msg: string): never {
  throw new IntegrityError(msg);
}

/** The hash export records for an .onnx file (its bytes without metadata_props). */
export async function contentSha256(bytes: Uint8Array, sha256: Sha256, where = 'model bytes'): Promise<string> {
  let content: Uint8Array[];
  try {
    content = readOnnxParts(bytes).content;
  } catch (err) {
    fail(`${where}: ${(err as Error).message}`);
  }
  return sha256(content);
}

export async function textSha256(text: string, sha256: Sha256): Promise<string> {
  return sha256([utf8.encode(text)]);
}

/** The model id export writes: its name and the first 16 hex digits of a hash over every file's name and hash. */
export async function modelId(name: string, files: readonly { file: string; sha256: string }[], sha256: Sha256): Promise<string> {
  const lines = [...files].sort((a, b) => (a.file < b.file ? -1 : 1)).map((f) => `${f.file} ${f.sha256}\n`);
  return `${name}@${(await textSha256(lines.join(''), sha256)).slice(0, 16)}`;
}

/** Checks one file against its card: identity keys, the card's own hash, size and content hash. */
export async function verifyFile(f: ModelFile, sha256: Sha256): Promise<void> {
  const { where, card, file, props } = f;
  if (typeof card.id !== 'string' || typeof file.sha256 !== 'string') {
    fail(`${where}: its model card records no sha256 for ${file.file} (exported before integrity records): export it again with \`dgm export\``);
  }
  if (props[ID_KEY] !== card.id) fail(`${where}: metadata "${ID_KEY}" is ${JSON.stringify(props[ID_KEY] ?? null)} but its card's id is ${JSON.stringify(card.id)}: the file was altered`);
  const cardSha = await textSha256(props[CARD_KEY] ?? '', sha256);
  if (props[CARD_SHA_KEY] !== cardSha) fail(`${where}: its model card (metadata "${CARD_KEY}") does not match its recorded sha256 (metadata "${CARD_SHA_KEY}"): the card was altered or corrupted`);
  if (f.bytes.length !== file.bytes) fail(`${where}: is ${f.bytes.length} bytes but its card says ${file.bytes}: the file is truncated or was altered`);
  const got = await contentSha256(f.bytes, sha256, where);
  if (got !== file.sha256) fail(`${where}: sha256 of its graph and weights is ${got.slice(0, 16)}..., its card records ${file.sha256.slice(0, 16)}...: the file was altered or corrupted; export it again`);
}

/**
 * Checks a sibling file (e.g. sample.onnx beside model.onnx) against the card of the file that was loaded: it must
 * carry the same model id and card, the role the card gives it, and its recorded hash.
 */
export async function verifySibling(primary: ModelFile, name: string, where: string, bytes: Uint8Array, sha256: Sha256): Promise<GraphCard> {
  let props: Record<string, string>;
  try {
    props = readOnnxParts(bytes).props;
  } catch (err) {
    fail(`${where}: ${(err as Error).message}`);
  }
  const entry = primary.card.files.find((g) => g.file === name);
  if (!entry) fail(`${where}: the model card of ${primary.where} lists no file ${JSON.stringify(name)}`);
  if (props[ID_KEY] !== primary.card.id) {
    const other = props[ID_KEY] ?? (props['dgm.name'] ? `${props['dgm.name']} (no id)` : 'no model id');
    fail(`${where} belongs to model ${other}, not to ${primary.card.id} (the model of ${primary.where}): a file of another model or another export was put beside it; export the model again`);
  }
  if (props[CARD_KEY] !== primary.props[CARD_KEY]) fail(`${where}: its model card differs from the one in ${primary.where} although both carry id ${primary.card.id}: one of them was altered`);
  if (props[ROLE_KEY] !== entry.role) fail(`${where}: metadata "${ROLE_KEY}" is ${JSON.stringify(props[ROLE_KEY] ?? null)} but the card gives ${entry.file} the role ${entry.role}`);
  await verifyFile({ where, bytes, props, card: primary.card, file: entry }, sha256);
  return entry;
}

/** card.json beside a model file must hold the card inside it (compared as JSON values, not as text). */
export function checkCardJson(f: Pick<ModelFile, 'where' | 'props'>, cardJsonWhere: string, text: string): void {
  let beside: unknown;
  try {
    beside = JSON.parse(text);
  } catch (err) {
    fail(`${cardJsonWhere} is not valid JSON (${(err as Error).message}); it should hold the model card of ${f.where}`);
  }
  const inside: unknown = JSON.parse(f.props[CARD_KEY] ?? 'null');
  const diff = firstDifference(inside, beside, '');
  if (diff !== undefined) {
    fail(`${cardJsonWhere} does not match the model card inside ${f.where} (they differ at ${diff || 'the top level'}): one of them is stale or altered; export the model again`);
  }
}

/** The path of the first field where two JSON values differ, or undefined when they are equal. */
export function firstDifference(a: unknown, b: unknown, at: string): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return at;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${at} (length ${a.length} vs ${b.length})`;
    for (let i = 0; i < a.length; i++) {
      const d = firstDifference(a[i], b[i], `${at}[${i}]`);
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    const d = firstDifference(ao[k], bo[k], at ? `${at}.${k}` : k);
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Everything a loader checks on the file it opened: the file itself, then card.json when one was found beside it. */
export async function verifyModel(f: ModelFile, sha256: Sha256, cardJson?: { where: string; text: string }): Promise<void> {
  await verifyFile(f, sha256);
  if (cardJson) checkCardJson(f, cardJson.where, cardJson.text);
}
