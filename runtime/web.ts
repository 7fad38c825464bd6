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
}

export const PRIMARY_FILE = 'model.onnx';

interface Opened {
  bytes: Uint8Array;
  where: string;
  /** URL of the file, for its siblings. */
  url?: URL;
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
  return { bytes, where, url, card, role, file };
}

export async function readModelCard(source: ModelSource): Promise<ModelCard> {
  return (await openSource(source)).card;
}

async function bytesFor(o: Opened, file: string, siblings?: Record<string, Uint8Array>): Promise<Uint8Array> {
  if (file === o.file.file) return o.bytes;
  if (siblings?.[file]) return siblings[file];
  if (!o.url) throw new Error(`${o.where}: ${file} is needed too; load the model from its URL or pass it in options.files`);
  return fetchBytes(new URL(file, o.url));
}

export interface WebLoadOptions extends LoadOptions {
  /** The model's other files by name, when loading from bytes (e.g. { 'sample.onnx': bytes }). */
  files?: Record<string, Uint8Array>;
}

export class GanSampler extends GanSamplerCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<GanSampler> {
    const o = await openSource(source);
    const spec = ganSpec(o.card, o.where);
    const gen = o.card.files.find((f) => f.role === 'generator')!;
    const engine = await openWebEngine(await bytesFor(o, gen.file, opts.files), opts);
    return new GanSampler(engine, spec, opts.maxBatch);
  }
}

export class Flow extends FlowCore {
  static async load(source: ModelSource, opts: WebLoadOptions = {}): Promise<Flow> {
    const o = await openSource(source);
    const spec = flowSpec(o.card, o.where);
    const flow = new Flow(spec, async (file) => openWebEngine(await bytesFor(o, file, opts.files), opts), opts.maxBatch);
    await flow.openFile(o.file.file);
    return flow;
  }
}
