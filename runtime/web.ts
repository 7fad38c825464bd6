/**
 * The runtime's web entry point (onnxruntime-web), the same API as runtime/node.ts: in the browser (WebGPU, else
 * wasm) and in Node (wasm). A model is an .onnx URL (a URL ending in '/' means its model.onnx) or its bytes.
 *
 *   const gan = await GanSampler.load('/models/cgan/', { provider: 'auto' });
 *   const { images } = await gan.sample({ n: 64, seed: 1, labels: 3 });
 */
import { cardFromMetadata, flowSpec, ganSpec, GraphCard, ModelCard, Role } from './core/card.js';
import { FlowCore } from './core/flow.js';
import { GanSamplerCore } from './core/gan-sampler.js';
import { IntegrityError, verifyModel, verifySibling } from './core/integrity.js';
import { readOnnxMetadata } from './core/onnx-metadata.js';
import { openWebEngine, WebEngineOptions } from './web-providers.js';

export { imageGrid, toRGBA } from './core/grid.js';
export type { ImageBatch, PixelGrid } from './core/grid.js';
export { boundsOf, drawPoints, gridPoints, heatmap } from './core/plot2d.js';
export type { Bounds } from './core/plot2d.js';
export type { GanSpec, FlowSpec, ModelCard } from './core/card.js';
export { configureWasmThreads, webgpuAdapterAvailable, WEB_PROVIDERS, type WebProvider } from './web-providers.js';

export type ModelSource = string | URL | Uint8Array | ArrayBuffer;

export interface LoadOptions extends WebEngineOptions {
  maxBatch?: number;
  /** Check every file's sha256, model id and card.json at load (core/integrity.ts); default true. */
  verify?: boolean;
}

export const PRIMARY_FILE = 'model.onnx';

interface Opened {
  bytes: Uint8Array;
  where: string;
  /** URL of the file, for its siblings. */
  url?: URL;
  props: Record<string, string>;
  card: ModelCard;
  role: Role;
  file: GraphCard;
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`cannot fetch model ${url.href}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`cannot fetch model ${url.href}: HTTP ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

function baseHref(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}

export async function openSource(source: ModelSource): Promise<Opened> {
  let bytes: Uint8Array;
  let where: string;
  let url: URL | undefined;
  if (typeof source === 'string' || source instanceof URL) {
    try {
      url = new URL(source, baseHref());
    } catch {
      throw new Error(`model source ${JSON.stringify(String(source))} is not a URL`);
    }
    if (url.pathname.endsWith('/')) url = new URL(PRIMARY_FILE, url);
    bytes = await fetchBytes(url);
    where = url.href;
  } else if (source instanceof Uint8Array) {
    bytes = source;
    where = 'model bytes';
  } else if (source instanceof ArrayBuffer) {
    bytes = new Uint8Array(source);
    where = 'model bytes';
  } else {
    throw new Error(`model source must be a URL or the model's bytes, got ${typeof source}`);
  }
  let props: Record<string, string>;
  try {
    props = readOnnxMetadata(bytes);
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`);
  }
  const { card, role, file } = cardFromMetadata(props, where);
  return { bytes, where, url, props, card, role, file };
}

export async function readModelCard(source: ModelSource): Promise<ModelCard> {
  return (await openSource(source)).card;
}

/** WebCrypto's sha256 (a secure context: https, localhost or 127.0.0.1; and Node). */
export async function webSha256(parts: readonly Uint8Array[]): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: { digest(a: string, d: Uint8Array): Promise<ArrayBuffer> } } }).crypto?.subtle;
  if (!subtle) throw new IntegrityError('cannot verify the model: WebCrypto (crypto.subtle) is missing, as on a page that is not a secure context (serve it over https or from localhost)');
  let data: Uint8Array;
  if (parts.length === 1) data = parts[0];
  else {
    data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) data.set(p, (at += p.length) - p.length);
  }
  const digest = new Uint8Array(await subtle.digest('SHA-256', data));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The opened file checked against its card, and against the card.json beside its URL when the server has one. */
async function verifyOpened(o: Opened, opts: LoadOptions): Promise<void> {
  if (opts.verify === false) return;
  let cardJson: { where: string; text: string } | undefined;
  if (o.url) {
    const at = new URL('card.json', o.url);
    const res = await fetch(at).catch((err: Error) => {
      throw new Error(`cannot fetch ${at.href}: ${err.message}`);
    });
    if (res.ok) cardJson = { where: at.href, text: await res.text() };
    else if (res.status !== 404) throw new Error(`cannot fetch ${at.href}: HTTP ${res.status} ${res.statusText}`);
  }
  await verifyModel(o, webSha256, cardJson);
}

async function bytesFor(o: Opened, file: string, opts: WebLoadOptions): Promise<Uint8Array> {
  if (file === o.file.file) return o.bytes;
  let bytes = opts.files?.[file];
  let where = `options.files[${JSON.stringify(file)}]`;
  if (!bytes) {
    if (!o.url) throw new Error(`${o.where}: ${file} is needed too; load the model from its URL or pass it in options.files`);
    const url = new URL(file, o.url);
    bytes = await fetchBytes(url);
    where = url.href;
  }
  if (opts.verify !== false) await verifySibling(o, file, where, bytes, webSha256);
  return bytes;
}

export interface WebLoadOptions extends LoadOptions {
  /** The model's other files by name, when loading from bytes (e.g. { 'sample.onnx': bytes }). */
  files?: Record<string, Uint8Array>;
}

export class GanSampler extends GanSamplerCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<GanSampler> {
    const o = await openSource(source);
    const spec = ganSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const gen = o.card.files.find((f) => f.role === 'generator')!;
    const engine = await openWebEngine(await bytesFor(o, gen.file, opts), opts);
    return new GanSampler(engine, spec, opts.maxBatch);
  }
}

export class Flow extends FlowCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<Flow> {
    const o = await openSource(source);
    const spec = flowSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const flow = new Flow(spec, async (file) => openWebEngine(await bytesFor(o, file, opts), opts), opts.maxBatch);
    await flow.openFile(o.file.file);
    return flow;
  }
}
