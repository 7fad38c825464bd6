/**
 * The export pipeline for one model, whatever its family: build every graph, measure parity with tfjs in
 * onnxruntime-node, run the reference checker when it is available, then write models/<name>/ (every .onnx with
 * the card in its metadata, and card.json) in one atomic step. A parity failure or checker rejection writes
 * nothing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuiltGraph } from './graphs/built-graph';
import { builtToBytes, WeightStorage } from './graphs/to-model';
import { Float16Deviation, GraphCard, ModelCard, ParityCheck, cardMetadata, exportFacts, nodeSha256 } from './card';
import { contentSha256, modelId } from '../runtime/core/integrity';
import { checkOnnxFiles, checkerUnavailable } from './onnx-checker';
import { ExportError } from './lower/types';
import { failedChecks } from './validate';
import { writeDirAtomic } from './write-dir';
import { gitCommit } from './git-info';

export interface ExportJob {
  name: string;
  kind: string;
  /** The family (card.family) and which runtime API loads it (card.type). */
  family: string;
  type: ModelCard['type'];
  /** The family's variant the run trained, when it has variants (card.variant). */
  variant?: string;
  description: string;
  graphs: { file: string; built: BuiltGraph }[];
  facts: Pick<ModelCard, 'latentSize' | 'numClasses' | 'classNames' | 'image' | 'data' | 'training' | 'featureExtractor'>;
  /** Parity of the graphs (file -> bytes without metadata; the graph is the same once the card is added). */
  parity(bytes: Map<string, Uint8Array>): Promise<ParityCheck[]>;
  reference: string;
  /** How the files store the weights (default float32); see export/onnx/float16.ts. */
  weights?: WeightStorage;
}

export type CheckerMode = 'require' | 'auto' | 'off';

export interface ExportResult {
  dir: string;
  card: ModelCard;
  files: { file: string; bytes: number }[];
}

function runChecker(bytes: Map<string, Uint8Array>, mode: CheckerMode, name: string): ModelCard['checker'] {
  if (mode === 'off') return { ran: false, detail: 'not run (--no-checker)' };
  const why = checkerUnavailable();
  if (why) {
    if (mode === 'require') throw new ExportError(`model "${name}": the ONNX checker is required but cannot run: ${why}`);
    return { ran: false, detail: `not run: ${why}` };
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-check-'));
  try {
    const files = [...bytes.entries()].map(([file, b]) => {
      const p = path.join(tmp, file);
      fs.writeFileSync(p, b);
      return p;
    });
    const results = checkOnnxFiles(files);
    const bad = results.filter((r) => !r.ok);
    if (bad.length) throw new ExportError(`model "${name}": the ONNX checker rejects ${bad.map((r) => `${path.basename(r.file)}: ${r.error}`).join('; ')}`);
    return { ran: true, detail: `onnx ${results[0]?.onnx} check_model(full_check=True) + strict shape inference: ok` };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export async function exportModel(job: ExportJob, outDir: string, opts: { checker?: CheckerMode; runtime: string }): Promise<ExportResult> {
  const plain = new Map<string, Uint8Array>();
  const weights = job.weights ?? 'float32';
  for (const g of job.graphs) plain.set(g.file, builtToBytes(g.built));
  const checks = await job.parity(plain);
  const failed = failedChecks(checks);
  if (failed.length) {
    throw new ExportError(
      `model "${job.name}": ONNX and tfjs disagree: ` +
        failed.map((c) => `${c.file} ${c.output} on ${c.inputs}: max |error| ${c.maxAbsError} > ${c.tolerance}${c.relTolerance !== undefined ? ` + ${c.relTolerance} |x|` : ''}` + (c.worst ? ` (at flat index ${c.worst.index}: onnx ${c.worst.got}, tfjs ${c.worst.want})` : '')).join('; ') +
        ' (nothing written)',
    );
  }
  // The float16 files are the checked float32 graphs with rounded weights: what the rounding does is measured with
  // the same inputs and reported (make eval says what it does to the model's quality), never held to float32's bounds.
  let float16: Float16Deviation[] | undefined;
  if (weights === 'float16') {
    const half = new Map([...plain.keys()].map((file) => [file, builtToBytes(job.graphs.find((g) => g.file === file)!.built, {}, 'float16')]));
    float16 = (await job.parity(half)).map(({ file, output, inputs, n, maxAbsError, unit }) => ({ file, output, inputs, n, maxAbsError, ...(unit ? { unit } : {}) }));
    for (const [file, b] of half) plain.set(file, b);
  }
  const checker = runChecker(plain, opts.checker ?? 'auto', job.name);
  // The card holds each file's hash without its metadata_props, so the hashes are known before the card is.
  const files: GraphCard[] = [];
  for (const g of job.graphs) {
    files.push({ file: g.file, role: g.built.role as GraphCard['role'], inputs: g.built.inputs, outputs: g.built.outputs, bytes: 0, sha256: await contentSha256(plain.get(g.file)!, nodeSha256) });
  }
  const card: ModelCard & { id: string } = {
    format: 'dgm-model-card/1',
    name: job.name,
    id: await modelId(job.name, files as { file: string; sha256: string }[], nodeSha256),
    kind: job.kind,
    family: job.family,
    type: job.type,
    ...(job.variant !== undefined ? { variant: job.variant } : {}),
    description: job.description,
    files,
    weights,
    ...job.facts,
    parity: { reference: job.reference, runtime: opts.runtime, checks, ...(float16 ? { float16 } : {}) },
    checker,
    export: exportFacts(gitCommit()),
  };
  // File sizes go into the card, which goes into the files: the card's own length changes the sizes, so encode
  // until they agree (two rounds at most unless a size gains a digit).
  const out: Record<string, Uint8Array | string> = {};
  let stable = false;
  for (let round = 0; round < 4 && !stable; round++) {
    stable = true;
    for (const [i, g] of job.graphs.entries()) {
      const b = builtToBytes(g.built, cardMetadata(card, g.built.role), weights);
      out[g.file] = b;
      if (files[i].bytes !== b.length) {
        files[i].bytes = b.length;
        stable = false;
      }
    }
  }
  if (!stable) throw new Error(`internal error: model "${job.name}": file sizes in the card did not settle`);
  for (const f of files) {
    if ((await contentSha256(out[f.file] as Uint8Array, nodeSha256)) !== f.sha256) throw new Error(`internal error: model "${job.name}": ${f.file} changed outside its metadata_props when the card was added`);
  }
  out['card.json'] = JSON.stringify(card, null, 2) + '\n';
  writeDirAtomic(outDir, out);
  return { dir: outDir, card, files: files.map((f) => ({ file: f.file, bytes: f.bytes })) };
}
