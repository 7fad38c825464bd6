/**
 * The trained models the runtime package ships: from exported folders (models/<name>/) to runtime/models/<name>/,
 * with only the files an app loads (generators, flows' log_prob and sample graphs; not discriminators), and
 * runtime/models/index.json listing each model with its files' sizes and sha256 and the figures measured on them.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseCard } from '../runtime/core/card';
import type { ShippedIndex, ShippedModel } from '../runtime/core/shipped';
import type { EvalReport } from '../eval/run-eval';
import { writeFileAtomic } from '../training/harness/atomic-write';
import { decodeModel, encodeModel } from './onnx/proto';
import { writeDirAtomic } from './write-dir';

/** The roles of the files that runtime/ loads; others (discriminators, classifiers) are training artefacts here. */
export const RUNTIME_ROLES: readonly string[] = ['generator', 'log_prob', 'sample'];

export const INDEX_FILE = 'index.json';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 of an ONNX file with its metadata_props dropped: the graph and weights alone. */
export function graphSha256(bytes: Uint8Array): string {
  return sha256(encodeModel({ ...decodeModel(bytes), metadata_props: [] }));
}

export interface ShipResult {
  index: ShippedIndex;
  /** Per shipped model: whether its graphs are byte-identical to the ones it replaced (undefined: nothing before). */
  sameGraphs: Record<string, boolean | undefined>;
}

/** FID / KID / class fidelity of a GAN, or test likelihood of a flow, from an eval report, keyed for the index. */
export function figuresFromEval(report: EvalReport | undefined, name: string): Record<string, number | string> {
  if (!report) return {};
  const g = report.gans.find((r) => r.name === name && r.status === 'evaluated');
  if (g?.quality) {
    const out: Record<string, number | string> = { fidFmnist: round(g.quality.fid, 2), kidX1000: round(g.quality.kid.mean * 1000, 1), samples: g.samples ?? 0 };
    if (g.classFidelity) out.classFidelity = round(g.classFidelity.accuracy, 4);
    if (report.featureExtractor) out.featureExtractor = report.featureExtractor.id;
    return out;
  }
  const f = report.flows.find((r) => r.name === name && r.status === 'evaluated');
  if (f) {
    const out: Record<string, number | string> = {};
    if (f.bitsPerDim !== undefined) out.bitsPerDim = round(f.bitsPerDim, 4);
    else if (f.testLogLik !== undefined) out.testLogLik = round(f.testLogLik, 4);
    if (f.units) out.units = f.units;
    if (f.diverged) out.divergedSamples = `${f.diverged.rows} of ${f.diverged.of}`;
    return out;
  }
  return {};
}

function round(v: number, digits: number): number {
  return Number(v.toFixed(digits));
}

export interface ShipOptions {
  modelsDir: string;
  outDir: string;
  /** reports/eval.json of these very files, for the index's figures. */
  evalReport?: EvalReport;
}

/** Copies each named model's runtime files into outDir and rewrites the index over every model there. */
export function shipModels(names: string[], o: ShipOptions): ShipResult {
  const previous = readIndex(o.outDir);
  for (const name of names) {
    const src = path.join(o.modelsDir, name);
    const cardFile = path.join(src, 'card.json');
    if (!fs.existsSync(cardFile)) throw new Error(`model ${name}: no ${cardFile} (export it first: dgm export ${name})`);
    const card = parseCard(fs.readFileSync(cardFile, 'utf8'), cardFile);
    const files: Record<string, Uint8Array | string> = { 'card.json': fs.readFileSync(cardFile, 'utf8') };
    for (const f of card.files.filter((f) => RUNTIME_ROLES.includes(f.role))) files[f.file] = fs.readFileSync(path.join(src, f.file));
    writeDirAtomic(path.join(o.outDir, name), files);
  }
  const models: ShippedModel[] = [];
  for (const e of fs.readdirSync(o.outDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(o.outDir, e.name);
    const cardFile = path.join(dir, 'card.json');
    if (!fs.existsSync(cardFile)) continue;
    const card = parseCard(fs.readFileSync(cardFile, 'utf8'), cardFile);
    const files = card.files
      .filter((f) => fs.existsSync(path.join(dir, f.file)))
      .map((f) => {
        const bytes = fs.readFileSync(path.join(dir, f.file));
        const graph = graphSha256(bytes);
        const recorded = (f as { sha256?: string }).sha256;
        if (recorded !== undefined && recorded !== graph) throw new Error(`${path.join(dir, f.file)}: its graph and weights hash to ${graph.slice(0, 16)}..., its card records ${recorded.slice(0, 16)}...: export it again`);
        return { file: f.file, role: f.role, bytes: bytes.length, sha256: sha256(bytes), graphSha256: graph };
      });
    const old = previous?.models.find((m) => m.name === e.name);
    const unchanged = old && JSON.stringify(old.files) === JSON.stringify(files);
    const fresh = names.includes(e.name) ? figuresFromEval(o.evalReport, e.name) : {};
    const raw = card as unknown as { weights?: 'float32' | 'float16' };
    models.push({
      name: e.name,
      family: card.family,
      kind: card.kind,
      description: card.description,
      weights: raw.weights ?? 'float32',
      files,
      figures: Object.keys(fresh).length ? fresh : unchanged ? old!.figures : {},
    });
  }
  const index: ShippedIndex = { models };
  writeFileAtomic(path.join(o.outDir, INDEX_FILE), JSON.stringify(index, null, 2) + '\n');
  const sameGraphs: Record<string, boolean | undefined> = {};
  for (const name of names) {
    const before = previous?.models.find((m) => m.name === name)?.files.map((f) => f.graphSha256).join();
    sameGraphs[name] = before === undefined ? undefined : before === models.find((m) => m.name === name)!.files.map((f) => f.graphSha256).join();
  }
  return { index, sameGraphs };
}

function readIndex(dir: string): ShippedIndex | undefined {
  const f = path.join(dir, INDEX_FILE);
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as ShippedIndex) : undefined;
}
