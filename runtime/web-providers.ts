/**
 * Execution providers for onnxruntime-web. `auto` takes WebGPU only on a hardware adapter and otherwise wasm,
 * threaded when the page is cross-origin isolated (SharedArrayBuffer): a software adapter (Chromium's SwiftShader,
 * a fallback adapter) runs these models tens of times slower than wasm, so it is used only when asked for by name.
 * `providers: [...]` is an ordered list like onnxruntime's `executionProviders`: the first that starts is used.
 * An explicitly requested provider that cannot run is an error, never a silent fallback.
 *
 * In the browser 'onnxruntime-web' is whichever build the page or bundler resolves (the project's own page pins the
 * JSEP build, ort.min.mjs: see ORT_WEB_BUILD in paths.ts); in Node it is the package's Node build, wasm only.
 */
import * as ort from 'onnxruntime-web';
import { Engine, OrtLike } from './core/engine.js';

export const WEB_PROVIDERS = ['auto', 'webgpu', 'wasm'] as const;
export type WebProvider = (typeof WEB_PROVIDERS)[number];

export interface WebEngineOptions {
  /** One provider; default 'auto'. */
  provider?: WebProvider;
  /** Or an ordered list of 'webgpu' / 'wasm': the first that starts is used (an adapter of any kind counts). */
  providers?: readonly Exclude<WebProvider, 'auto'>[];
  /** wasm threads; default: up to 4 when the page is cross-origin isolated, 1 when it is not, onnxruntime-web's
   *  own default in Node. Fixed by the first session. */
  threads?: number;
  /** Where the one-line provider messages go (default: console.warn). */
  log?: (line: string) => void;
}

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  requestAdapterInfo?: () => Promise<AdapterInfoLike>;
}

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: { requestAdapter(): Promise<AdapterLike | null> } };
}

const globals = globalThis as unknown as BrowserGlobals;
let wasmThreads: number | undefined;
let isolationNoted = false;

export const ISOLATION_NOTE =
  'this page is not cross-origin isolated, so onnxruntime-web runs wasm on 1 thread; serve it with the headers ' +
  '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" for threads';

/** Sets onnxruntime-web's wasm thread count once, before its first session (later changes have no effect). */
export function configureWasmThreads(requested?: number, log?: (line: string) => void): number {
  if (wasmThreads !== undefined) return wasmThreads;
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 1) throw new Error(`threads must be a positive integer, got ${JSON.stringify(requested)}`);
    ort.env.wasm.numThreads = requested;
  } else if (globals.crossOriginIsolated === true) {
    // onnxruntime-web's own default is half the cores (1 on a 2-core machine): ask for the cores explicitly.
    ort.env.wasm.numThreads = Math.max(1, Math.min(4, globals.navigator?.hardwareConcurrency ?? 1));
  } else if (globals.crossOriginIsolated === false) {
    ort.env.wasm.numThreads = 1; // a page without COOP/COEP cannot share memory with workers
    if (!isolationNoted) {
      isolationNoted = true;
      (log ?? ((l: string) => console.warn(l)))(`dgm-runtime: ${ISOLATION_NOTE}`);
    }
  }
  // Unset (Node, unless asked): onnxruntime-web's default, min(4, ceil(cores / 2)); 0 stands for it.
  wasmThreads = ort.env.wasm.numThreads ?? 0;
  return wasmThreads;
}

/** What a WebGPU adapter is: hardware, or software (a fallback adapter, SwiftShader, llvmpipe/lavapipe, WARP). */
export interface AdapterKind {
  software: boolean;
  /** e.g. 'google swiftshader', 'nvidia ampere'. */
  name: string;
}

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|software|basic render|warp/i;

export function adapterKind(info: AdapterInfoLike, fallback = false): AdapterKind {
  const name = [info.vendor, info.architecture, info.device].filter((v) => !!v).join(' ') || info.description || 'unnamed adapter';
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return { software: fallback || info.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(text), name };
}

/** The browser's default WebGPU adapter and what it is, or undefined when there is none. */
export async function webgpuAdapter(): Promise<AdapterKind | undefined> {
  const gpu = globals.navigator?.gpu;
  if (!gpu) return undefined;
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    return undefined;
  }
  if (!adapter) return undefined;
  let info = adapter.info;
  if (!info && adapter.requestAdapterInfo) info = await adapter.requestAdapterInfo().catch(() => undefined);
  return adapterKind(info ?? {}, adapter.isFallbackAdapter === true);
}

export function checkWebProvider(p: unknown): WebProvider {
  if (typeof p !== 'string' || !(WEB_PROVIDERS as readonly string[]).includes(p)) {
    throw new Error(`provider must be one of ${WEB_PROVIDERS.join(', ')}, got ${JSON.stringify(p)}`);
  }
  return p as WebProvider;
}

function checkProviderList(list: unknown): Exclude<WebProvider, 'auto'>[] {
  if (!Array.isArray(list) || list.length === 0) throw new Error(`providers must be a non-empty list of 'webgpu' and 'wasm', got ${JSON.stringify(list)}`);
  for (const p of list) {
    if (p !== 'webgpu' && p !== 'wasm') throw new Error(`providers: each must be 'webgpu' or 'wasm', got ${JSON.stringify(p)}`);
  }
  return list;
}

export async function openWebEngine(bytes: Uint8Array, opts: WebEngineOptions = {}): Promise<Engine> {
  if (opts.provider !== undefined && opts.providers !== undefined) throw new Error('give either provider or providers, not both');
  const log = opts.log ?? ((l: string) => console.warn(l));
  const threads = configureWasmThreads(opts.threads, log);
  const threadText = threads === 0 ? "onnxruntime-web's default threads" : `${threads} thread${threads === 1 ? '' : 's'}`;
  const create = (ep: 'webgpu' | 'wasm', why: string) => Engine.create(ort as unknown as OrtLike, bytes, ep, {}, ep === 'wasm' ? `${why}; ${threadText}` : why);

  if (opts.providers !== undefined) {
    const list = checkProviderList(opts.providers);
    const failures: string[] = [];
    for (const [i, ep] of list.entries()) {
      const skipped = failures.length ? ` (${failures.join('; ')})` : '';
      const why = `providers[${i}]${skipped}`;
      try {
        if (ep === 'webgpu') {
          const adapter = await webgpuAdapter();
          if (!adapter) throw new Error('no WebGPU adapter');
          return await create('webgpu', `${why}; adapter ${adapter.name}${adapter.software ? ', software' : ''}`);
        }
        return await create('wasm', why);
      } catch (err) {
        failures.push(`${ep}: ${firstLine(err)}`);
      }
    }
    throw new Error(`none of the providers ${JSON.stringify(list)} could start: ${failures.join('; ')}`);
  }

  const provider = checkWebProvider(opts.provider ?? 'auto');
  if (provider === 'wasm') return create('wasm', 'requested');
  const adapter = await webgpuAdapter();
  if (provider === 'webgpu') {
    if (!adapter) throw new Error('provider webgpu was requested but this runtime has no WebGPU adapter (navigator.gpu is missing or gave none)');
    try {
      return await create('webgpu', `requested; adapter ${adapter.name}${adapter.software ? ', software' : ''}`);
    } catch (err) {
      throw new Error(`provider webgpu was requested but could not start: ${firstLine(err)}`);
    }
  }
  if (!adapter) return create('wasm', 'auto: no WebGPU adapter');
  if (adapter.software) return create('wasm', `auto: the WebGPU adapter (${adapter.name}) is software, slower than wasm`);
  try {
    return await create('webgpu', `auto: hardware WebGPU adapter ${adapter.name}`);
  } catch (err) {
    log(`onnxruntime-web: WebGPU provider failed (${firstLine(err)}); using wasm`);
    return create('wasm', 'auto: WebGPU provider failed');
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}
