/**
 * Vega and Vega-Lite in Node, for the charts a run writes (loss.svg): the same builds the page loads
 * (node_modules/vega/build/vega.min.js, vega-lite/build/vega-lite.min.js), evaluated as the UMD modules they are.
 *
 * Why not `require('vega')`: both packages are ES modules only ("type": "module"), which Node 20's require refuses,
 * and jest's sandbox cannot run a dynamic import(). Their UMD builds take a CommonJS `exports` object instead, and
 * Vega's SVG renderer needs neither a DOM nor a canvas (text widths are estimated), so a headless render is one call.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chartLibraryDir } from '../../runtime/runs-api';

/** The slice of Vega's API used here (its full types ship with the ESM build). */
export interface VegaModule {
  version: string;
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'none' | 'svg' | 'canvas' }) => { toSVG(scale?: number): Promise<string>; finalize(): void };
}
export interface VegaLiteModule {
  version: string;
  compile(spec: unknown): { spec: unknown };
}


function loadUmd(file: string, deps: Record<string, unknown>): unknown {
  const mod = { exports: {} as Record<string, unknown> };
  const req = (name: string) => {
    if (name in deps) return deps[name];
    throw new Error(`${file} asked for ${name}, which is not provided`);
  };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('exports', 'module', 'require', fs.readFileSync(file, 'utf8'))(mod.exports, mod, req);
  return mod.exports;
}

let loaded: { vega: VegaModule; vegaLite: VegaLiteModule } | undefined;

export function loadVega(): { vega: VegaModule; vegaLite: VegaLiteModule } {
  if (loaded) return loaded;
  const vega = loadUmd(path.join(chartLibraryDir('vega'), 'vega.min.js'), {}) as VegaModule;
  const vegaLite = loadUmd(path.join(chartLibraryDir('vega-lite'), 'vega-lite.min.js'), { vega }) as VegaLiteModule;
  if (typeof vega.parse !== 'function' || typeof vegaLite.compile !== 'function') throw new Error('the vega / vega-lite builds did not load as expected');
  loaded = { vega, vegaLite };
  return loaded;
}

/** A Vega-Lite spec rendered to an SVG document. */
export async function vegaLiteToSvg(spec: unknown): Promise<string> {
  const { vega, vegaLite } = loadVega();
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
