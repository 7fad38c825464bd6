/**
 * Execution providers for onnxruntime-web: WebGPU when the browser has an adapter, else wasm, threaded when the
 * page is cross-origin isolated (SharedArrayBuffer). An explicitly requested provider that cannot run is an error.
 *
 * In the browser 'onnxruntime-web' is whichever build the page's import map names (the app pins the JSEP build,
 * ort.min.mjs: see ORT_WEB_BUILD in paths.ts); in Node it is the package's Node build, with the wasm provider only.
 */
import * as ort from 'onnxruntime-web';
import { Engine, OrtLike } from './core/engine.js';

export const WEB_PROVIDERS = ['auto', 'webgpu', 'wasm'] as const;
export type WebProvider = (typeof WEB_PROVIDERS)[number];

export interface WebEngineOptions {
  provider?: WebProvider;
  /** wasm threads; default: up to 4 when the page is cross-origin isolated, 1 when it is not, onnxruntime-web's
   *  own default in Node. Fixed by the first session. */
  threads?: number;
  log?: (line: string) => void;
}

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: { requestAdapter(): Promise<unknown> } };
}

const globals = globalThis as unknown as BrowserGlobals;
let wasmThreads: number | undefined;

/** Sets onnxruntime-web's wasm thread count once, before its first session (later changes have no effect). */
export function configureWasmThreads(requested?: number): number {
  if (wasmThreads !== undefined) return wasmThreads;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new Error(`threads must be a positive integer, got ${requested}`);
    ort.env.wasm.numThreads = requested;
  } else if (globals.crossOriginIsolated === true) {
    // onnxruntime-web's own default is half the cores (1 on a 2-core machine): ask for the cores explicitly.
    ort.env.wasm.numThreads = Math.max(1, Math.min(4, globals.navigator?.hardwareConcurrency ?? 1));
  } else if (globals.crossOriginIsolated === false) {
    ort.env.wasm.numThreads = 1; // a page without COOP/COEP cannot share memory with workers
  }
  // Unset (Node, unless asked): onnxruntime-web's default, min(4, ceil(cores / 2)); 0 stands for it.
  wasmThreads = ort.env.wasm.numThreads ?? 0;
  return wasmThreads;
}

export async function webgpuAdapterAvailable(): Promise<boolean> {
  const gpu = globals.navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

export function checkWebProvider(p: unknown): WebProvider {
  if (typeof p !== 'string' || !(WEB_PROVIDERS as readonly string[]).includes(p)) {
    throw new Error(`provider must be one of ${WEB_PROVIDERS.join(', ')}, got ${JSON.stringify(p)}`);
  }
  return p as WebProvider;
}

export async function openWebEngine(bytes: Uint8Array, opts: WebEngineOptions = {}): Promise<Engine> {
  const provider = checkWebProvider(opts.provider ?? 'auto');
  const log = opts.log ?? ((l: string) => console.warn(l));
  const threads = configureWasmThreads(opts.threads);
  const threadText = threads === 0 ? "onnxruntime-web's default threads" : `${threads} thread${threads === 1 ? '' : 's'}`;
  const wasm = (why: string) => Engine.create(ort as unknown as OrtLike, bytes, 'wasm', {}, `${why}; ${threadText}`);
  if (provider === 'wasm') return wasm('requested');
  const adapter = await webgpuAdapterAvailable();
  if (provider === 'webgpu') {
    if (!adapter) throw new Error('provider webgpu was requested but this runtime has no WebGPU adapter (navigator.gpu is missing or gave none)');
    try {
      return await Engine.create(ort as unknown as OrtLike, bytes, 'webgpu', {}, 'requested');
    } catch (err) {
      throw new Error(`provider webgpu was requested but could not start: ${firstLine(err)}`);
    }
  }
  if (!adapter) return wasm('auto: no WebGPU adapter');
  try {
    return await Engine.create(ort as unknown as OrtLike, bytes, 'webgpu', {}, 'auto: WebGPU adapter found');
  } catch (err) {
    log(`onnxruntime-web: WebGPU provider failed (${firstLine(err)}); using wasm`);
    return wasm('auto: WebGPU provider failed');
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
