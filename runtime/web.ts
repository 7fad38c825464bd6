/**
 * The runtime's web entry point (onnxruntime-web), the same API as runtime/node.ts: in a page or a module Web Worker
 * (WebGPU on a hardware adapter, else wasm) and in Node (wasm). A model is a shipped model's name with the `baseUrl`
 * the app serves the package's models/ folder at, an .onnx URL (a URL ending in '/' means its model.onnx), or its
 * bytes. Each file is fetched once: the card is read from the same bytes the session is made from.
 *
 *   const gan = await GanSampler.load('cgan', { baseUrl: '/models/', onProgress: (p) => bar(p.loaded / p.total) });
 *   const { images } = await gan.sample({ n: 64, seed: 1, labels: 3 });
 */
import { cardFromMetadata, flowSpec, ganSpec, GraphCard, ModelCard, Role } from './core/card.js';
import { FlowCore } from './core/flow.js';
import { GanSamplerCore } from './core/gan-sampler.js';
import { IntegrityError, verifyModel, verifySibling } from './core/integrity.js';
import { readOnnxMetadata } from './core/onnx-metadata.js';
import { isModelName, parseShippedIndex, ShippedModel } from './core/shipped.js';
import { openWebEngine, WebEngineOptions } from './web-providers.js';

export { imageGrid, labelledGrid, toImageData, toRGBA } from './core/grid.js';
export type { ImageBatch, LabelledGrid, PixelGrid } from './core/grid.js';
export { boundsOf, drawPoints, gridPoints, heatmap } from './core/plot2d.js';
export type { Bounds } from './core/plot2d.js';
export type { GanSpec, FlowSpec, ModelCard } from './core/card.js';
export { adapterKind, configureWasmThreads, webgpuAdapter, WEB_PROVIDERS, type AdapterKind, type WebProvider } from './web-providers.js';
export type { ShippedModel } from './core/shipped.js';

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

/** Bytes of one model file as they arrive; `total` is the response's Content-Length (undefined when not sent). */
export interface LoadProgress {
  file: string;
  url: string;
  loaded: number;
  total?: number;
}

export type ProgressCallback = (p: LoadProgress) => void;

async function fetchBytes(url: URL, onProgress?: ProgressCallback): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`cannot fetch model ${url.href}: ${(err as Error).message}`);
  }
  if (!res.ok) throw new Error(`cannot fetch model ${url.href}: HTTP ${res.status} ${res.statusText}`);
  if (!onProgress || !res.body) return new Uint8Array(await res.arrayBuffer());
  const header = Number(res.headers.get('content-length'));
  const total = Number.isFinite(header) && header > 0 ? header : undefined;
  const file = url.pathname.slice(url.pathname.lastIndexOf('/') + 1);
  const report = (loaded: number) => onProgress({ file, url: url.href, loaded, total });
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  report(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    report(loaded);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

function baseHref(): string | undefined {
  return (globalThis as { location?: { href: string } }).location?.href;
}

function baseOf(baseUrl: string | URL): URL {
  let base: URL;
  try {
    base = new URL(String(baseUrl), baseHref());
  } catch {
    throw new Error(`baseUrl ${JSON.stringify(String(baseUrl))} is not a URL`);
  }
  return base.pathname.endsWith('/') ? base : new URL(base.pathname + '/' + base.search, base);
}

/** Where a model's primary file is fetched from: a shipped name under `baseUrl`, else a URL (relative to the page). */
export function modelUrl(source: string | URL, baseUrl?: string | URL): URL {
  if (source === '') throw new Error('model source is an empty string; expected a model name with { baseUrl }, a URL or the bytes of an .onnx file');
  const base = baseUrl === undefined ? undefined : baseOf(baseUrl);
  let url: URL;
  if (typeof source === 'string' && isModelName(source)) {
    if (!base) {
      throw new Error(`model ${JSON.stringify(source)} is a name: pass { baseUrl } (where the app serves dgm-runtime's models/ folder), or give a URL such as './${source}/'`);
    }
    url = new URL(`${source}/${PRIMARY_FILE}`, base);
  } else {
    try {
      url = new URL(source, base?.href ?? baseHref());
    } catch {
      throw new Error(`model source ${JSON.stringify(String(source))} is not a URL`);
    }
  }
  return url.pathname.endsWith('/') ? new URL(PRIMARY_FILE, url) : url;
}

/** The shipped models' index (models/index.json) under `baseUrl`. */
export async function listShippedModels(baseUrl: string | URL): Promise<ShippedModel[]> {
  const url = new URL('index.json', baseOf(baseUrl));
  const text = new TextDecoder().decode(await fetchBytes(url));
  return parseShippedIndex(text, url.href).models;
}

export async function openSource(source: ModelSource, opts: { baseUrl?: string | URL; onProgress?: ProgressCallback } = {}): Promise<Opened> {
  let bytes: Uint8Array;
  let where: string;
  let url: URL | undefined;
  if (typeof source === 'string' || source instanceof URL) {
    url = modelUrl(source, opts.baseUrl);
    bytes = await fetchBytes(url, opts.onProgress);
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

export async function readModelCard(source: ModelSource, opts: { baseUrl?: string | URL } = {}): Promise<ModelCard> {
  return (await openSource(source, opts)).card;
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
    bytes = await fetchBytes(url, opts.onProgress);
    where = url.href;
  }
  if (opts.verify !== false) await verifySibling(o, file, where, bytes, webSha256);
  return bytes;
}

export interface WebLoadOptions extends LoadOptions {
  /** The model's other files by name, when loading from bytes (e.g. { 'sample.onnx': bytes }). */
  files?: Record<string, Uint8Array>;
  /** Where a model given by name is fetched from: `${baseUrl}<name>/model.onnx` (the package's models/ folder). */
  baseUrl?: string | URL;
  /** Called as each model file downloads (a flow's sampling graph downloads on its first sample()). */
  onProgress?: ProgressCallback;
}

export class GanSampler extends GanSamplerCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<GanSampler> {
    const o = await openSource(source, opts);
    const spec = ganSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const gen = o.card.files.find((f) => f.role === 'generator')!;
    const engine = await openWebEngine(await bytesFor(o, gen.file, opts), opts);
    return new GanSampler(engine, spec, opts.maxBatch);
  }
}

export class Flow extends FlowCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<Flow> {
    const o = await openSource(source, opts);
    const spec = flowSpec(o.card, o.where);
    await verifyOpened(o, opts);
    const flow = new Flow(spec, async (file) => openWebEngine(await bytesFor(o, file, opts), opts), opts.maxBatch);
    await flow.openFile(o.file.file);
    return flow;
  }
}
