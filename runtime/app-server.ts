/**
 * `dgm serve`: the browser app (runtime/app), the runtime compiled to ES modules (dist/web), onnxruntime-web's
 * dist files and the exported models, plus two small JSON endpoints the page reads: the models with their cards,
 * and a few test images to score.
 *
 * URL layout: /            the page (runtime/app/index.html)
 *             /app/...     its static files       /js/...      dist/web (runtime/**.js as ES modules)
 *             /ort/...     onnxruntime-web dist   /models/...  the models folder
 *             /api/models  [{ name, url, family, type, image, kind, numClasses, classNames, dims, description }]
 *             /api/test-images?count=k  { images: number[][], labels, classNames, source }
 */
import * as fs from 'fs';
import * as path from 'path';
import { flowSpec } from './core/card.js';
import { PRIMARY_FILE, readModelCard } from './node.js';
import { ortWebDistDir, projectRoot } from './paths.js';
import { HttpError, RunningServer, ServeRoot, ServerOptions, startServer } from './server.js';
import { ensureWebBuild } from './web-build.js';
import { runsView } from './runs-view-server.js';

export interface ModelEntry {
  name: string;
  url: string;
  /** The model family (card.family) and which runtime API loads it (card.type). */
  family: string;
  type: 'gan' | 'flow';
  /** Image shape of a GAN's images or of a flow over images. */
  image?: { channels: number; height: number; width: number };
  kind: string;
  numClasses: number;
  classNames: string[];
  /** Data dimensions of a flow; pixels of a GAN image. */
  dims: number;
  description: string;
  /** Training steps behind the model (the page prefers the longest-trained of each kind). */
  steps: number;
}

export interface TestImages {
  images: number[][];
  labels: number[];
  classNames: string[];
  source: string;
}

export interface AppServerOptions {
  modelsDir: string;
  host?: string;
  port?: number;
  /** Supplies test images for the image flow's section (the CLI reads Fashion-MNIST's test split). */
  testImages?: (count: number) => TestImages | Promise<TestImages>;
  log?: (line: string) => void;
  /** Log every request. */
  verbose?: boolean;
  /** The runs folder the runs view shows (read-only; runs-api.ts); none: no runs view data. */
  runsDir?: string;
  /** More static roots and endpoints (the CLI adds the training page, training/browser/serve.ts, this way). */
  extensions?: { roots: ServeRoot[]; api: NonNullable<ServerOptions['api']> }[];
}

/** The GANs and flows in `dir` (folders holding model.onnx with a readable card); unreadable ones are reported and skipped. */
export function listModels(dir: string, log: (line: string) => void = () => {}): ModelEntry[] {
  if (!fs.existsSync(dir)) return [];
  const out: ModelEntry[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const file = path.join(dir, e.name, PRIMARY_FILE);
    if (!fs.existsSync(file)) continue;
    try {
      const card = cached(file);
      if (card.type !== 'gan' && card.type !== 'flow') continue; // e.g. the evaluation classifier: nothing to show
      const flow = card.type === 'flow' ? flowSpec(card, file) : null;
      const image = flow ? flow.image : card.image && { channels: card.image.channels, height: card.image.height, width: card.image.width };
      const dims = flow ? flow.dims : (card.image?.channels ?? 1) * (card.image?.height ?? 0) * (card.image?.width ?? 0);
      out.push({
        name: e.name,
        url: `/models/${encodeURIComponent(e.name)}/${PRIMARY_FILE}`,
        family: card.family,
        type: card.type,
        ...(image ? { image } : {}),
        kind: card.kind,
        numClasses: card.numClasses,
        classNames: card.classNames,
        dims,
        description: card.description,
        steps: typeof card.training?.step === 'number' ? card.training.step : 0,
      });
    } catch (err) {
      log(`skipping ${file}: ${(err as Error).message}`);
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// Reading a card means reading the whole .onnx (tens of MB for the image flow): once per file version.
const cardCache = new Map<string, { mtimeMs: number; size: number; card: ReturnType<typeof readModelCard> }>();
function cached(file: string): ReturnType<typeof readModelCard> {
  const st = fs.statSync(file);
  const hit = cardCache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.card;
  const card = readModelCard(file);
  cardCache.set(file, { mtimeMs: st.mtimeMs, size: st.size, card });
  return card;
}

/** The query parameters of an API URL: each at most once and among `allowed`, else a 400 that names it. */
export function queryOf(url: URL, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) {
    if (!allowed.includes(k)) throw new HttpError(400, `unknown query parameter ${JSON.stringify(k)} for ${url.pathname} (it takes ${allowed.length ? allowed.join(', ') : 'none'})`);
    if (k in out) throw new HttpError(400, `query parameter ${JSON.stringify(k)} given twice`);
    out[k] = v;
  }
  return out;
}

/** The page's JSON endpoints (what startServer's `api` takes); bad query values are 400s naming them. */
export function appApi(modelsDir: string, testImages: AppServerOptions['testImages'], log: (line: string) => void): ServerOptions['api'] {
  return {
    '/api/models': (url) => {
      queryOf(url, []);
      return listModels(modelsDir, log);
    },
    '/api/test-images': async (url) => {
      const q = queryOf(url, ['count']);
      if (!testImages) throw new HttpError(404, 'this server has no test images');
      const text = q.count ?? '12';
      const count = Number(text);
      if (!/^\d{1,3}$/.test(text) || count < 1 || count > 100) throw new HttpError(400, `query value count must be an integer in [1, 100], got ${JSON.stringify(text)}`);
      return testImages(count);
    },
  };
}

export async function startAppServer(opts: AppServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const root = projectRoot();
  const build = ensureWebBuild({ log });
  const roots: ServeRoot[] = [
    { prefix: '/app/', dir: path.join(root, 'runtime', 'app') },
    { prefix: '/js/', dir: build.dir },
    { prefix: '/ort/', dir: ortWebDistDir() },
  ];
  const modelsDir = path.resolve(opts.modelsDir);
  if (fs.existsSync(modelsDir)) roots.push({ prefix: '/models/', dir: modelsDir });
  else log(`note: models folder ${modelsDir} does not exist yet; the page will say how to export models`);
  const runs = opts.runsDir ? runsView(opts.runsDir, roots) : undefined;
  const extraApi: NonNullable<ServerOptions['api']> = {};
  for (const ext of opts.extensions ?? []) {
    for (const r of ext.roots) if (!roots.some((have) => have.prefix === r.prefix)) roots.push(r);
    Object.assign(extraApi, ext.api);
  }
  const server = await startServer({
    roots,
    routes: runs?.routes,
    index: '/app/index.html',
    host: opts.host,
    port: opts.port,
    log: opts.verbose ? log : undefined,
    api: { ...appApi(modelsDir, opts.testImages, log), ...runs?.api, ...extraApi },
  });
  return runs ? runs.announce(server) : server;
}
