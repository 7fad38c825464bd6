/**
 * The runtime's Node entry point (onnxruntime-node): load a shipped model by name, or an exported model by its
 * folder or .onnx file, and sample or score it. The model card inside the file says what the model is; the caller
 * does not repeat it.
 *
 *   const gan = await GanSampler.load('cgan');                    // shipped; or 'models/cgan', a folder
 *   const { images, labels } = await gan.sample({ n: 100, seed: 1, labels: 3 });
 *   const flow = await Flow.load('models/maf-moons');
 *   const lp = await flow.logProb([[0.1, 0.2]]);  const s = await flow.sample({ n: 500, seed: 1 });
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { cardFromMetadata, flowSpec, ganSpec, GraphCard, ModelCard, Role } from './core/card.js';
import { FlowCore } from './core/flow.js';
import { GanSamplerCore } from './core/gan-sampler.js';
import { verifyModel, verifySibling } from './core/integrity.js';
import { readOnnxMetadata } from './core/onnx-metadata.js';
import { isModelName, parseShippedIndex, ShippedModel } from './core/shipped.js';
import { shippedModelsDir } from './node-location.js';
import { NodeEngineOptions, openNodeEngine } from './node-providers.js';

export { imageGrid, labelledGrid, toRGBA } from './core/grid.js';
export type { ImageBatch, LabelledGrid, PixelGrid } from './core/grid.js';
export type { GanSpec, FlowSpec, ModelCard } from './core/card.js';
export { cudaProviderInstalled, NODE_PROVIDERS, type NodeProvider } from './node-providers.js';
export { encodePng, gridPng } from './png.js';
export type { ShippedModel } from './core/shipped.js';

/** A shipped model's name ('cgan'), a model folder (holding model.onnx), an .onnx file, or the bytes of one. */
export type ModelSource = string | Uint8Array;

export interface LoadOptions extends NodeEngineOptions {
  /** Rows per session call (bounds memory); default 256. */
  maxBatch?: number;
  /** Check every file's sha256, model id and card.json at load (core/integrity.ts); default true. */
  verify?: boolean;
}

export const PRIMARY_FILE = 'model.onnx';

interface Opened {
  bytes: Uint8Array;
  /** For error messages. */
  where: string;
  /** Folder of sibling files, when loaded from disk. */
  dir?: string;
  props: Record<string, string>;
  card: ModelCard;
  role: Role;
  file: GraphCard;
}

function nodeSha256(parts: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/** The opened file checked against its card, and against card.json when one lies beside it. */
async function verifyOpened(o: Opened, opts: LoadOptions): Promise<void> {
  if (opts.verify === false) return;
  const cardJson = o.dir && path.join(o.dir, 'card.json');
  await verifyModel(o, nodeSha256, cardJson && fs.existsSync(cardJson) ? { where: cardJson, text: fs.readFileSync(cardJson, 'utf8') } : undefined);
}

function readFile(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `model file ${file} does not exist (export the model with \`dgm export\`)` : `cannot read model file ${file}: ${(err as Error).message}`);
  }
  // Its own buffer: small files share Node's pool, and a view over it would see the neighbours.
  return new Uint8Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** The trained models this package ships (models/index.json), with their files and measured figures. */
export function listShippedModels(): ShippedModel[] {
  const index = path.join(shippedModelsDir(), 'index.json');
  if (!fs.existsSync(index)) return [];
  return parseShippedIndex(fs.readFileSync(index, 'utf8'), index).models;
}

/**
 * What a string source names: an existing file or folder first (a path is explicit), else a shipped model by name.
 */
export function resolveSource(source: string): string {
  if (source === '') throw new Error('model source is an empty string; expected a shipped model name, a folder or an .onnx file');
  if (fs.existsSync(source)) return source;
  if (isModelName(source)) {
    const shipped = listShippedModels();
    if (shipped.some((m) => m.name === source)) return path.join(shippedModelsDir(), source);
    const names = shipped.map((m) => m.name);
    throw new Error(`model ${JSON.stringify(source)} is not a shipped model (shipped: ${names.length ? names.join(', ') : 'none'}) nor a file or folder here`);
  }
  throw new Error(`model file ${source} does not exist (export the model with \`dgm export\`)`);
}

export function openSource(source: ModelSource): Opened {
  let bytes: Uint8Array;
  let where: string;
  let dir: string | undefined;
  if (typeof source === 'string') {
    const resolved = resolveSource(source);
    const file = fs.statSync(resolved).isDirectory() ? path.join(resolved, PRIMARY_FILE) : resolved;
    bytes = readFile(file);
    where = file;
    dir = path.dirname(file);
  } else if (source instanceof Uint8Array) {
    bytes = source;
    where = 'model bytes';
  } else {
    throw new Error(`model source must be a folder, an .onnx file path or a Uint8Array, got ${typeof source}`);
  }
  let props: Record<string, string>;
  try {
    props = readOnnxMetadata(bytes);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const { card, role, file } = cardFromMetadata(props, where);
  return { bytes, where, dir, props, card, role, file };
}

/** The model card of a folder or .onnx file (e.g. to list models), without starting a session. */
export function readModelCard(source: ModelSource): ModelCard {
  return openSource(source).card;
}

async function bytesFor(o: Opened, file: string, opts: LoadOptions): Promise<Uint8Array> {
  if (file === o.file.file) return o.bytes;
  if (!o.dir) throw new Error(`${o.where}: ${file} is needed too; load the model from its folder rather than from bytes`);
  const where = path.join(o.dir, file);
  const bytes = readFile(where);
  if (opts.verify !== false) await verifySibling(o, file, where, bytes, nodeSha256);
  return bytes;
}

export class GanSampler extends GanSamplerCore {
  static async load(source: ModelSource, opts: LoadOptions = {}): Promise<GanSampler> {
    const o = openSource(source);
    const spec = ganSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const gen = o.card.files.find((f) => f.role === 'generator')!;
    const engine = await openNodeEngine(await bytesFor(o, gen.file, opts), opts);
    return new GanSampler(engine, spec, opts.maxBatch);
  }
}

export class Flow extends FlowCore {
  static async load(source: ModelSource, opts: LoadOptions = {}): Promise<Flow> {
    const o = openSource(source);
    const spec = flowSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const flow = new Flow(spec, async (file) => openNodeEngine(await bytesFor(o, file, opts), opts), opts.maxBatch);
    // Open the file we were given now: a bad provider or file fails at load, not at the first call.
    await flow.openFile(o.file.file);
    return flow;
  }
}
