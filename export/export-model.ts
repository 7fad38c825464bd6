/**
 * The export pipeline for one model, whatever its family: build every graph, measure parity with tfjs in
 * onnxruntime-node, run the reference checker when it is available, then write models/<name>/ (every .onnx with
 * the card in its metadata, and card.json) in one atomic step. A parity failure or checker rejection writes
 * nothing. The bytes come from assemble-model.ts (platform-free, shared with the in-browser export); this file adds
 * what only Node has: the checker, the git commit and the writing.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BuiltGraph } from './graphs/built-graph';
import { WeightStorage } from './graphs/to-model';
import { ModelCard, ParityCheck, exportFacts } from './card';
import { assembleModel } from './assemble-model';
import { nodeSha256 } from './node-sha256';
import { checkOnnxFiles, checkerUnavailable } from './onnx-checker';
import { ExportError } from './lower/types';
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
  const { card, files } = await assembleModel(job, {
    runtime: opts.runtime,
    checker: (bytes) => runChecker(bytes, opts.checker ?? 'auto', job.name),
    export: exportFacts(gitCommit()),
    sha256: nodeSha256,
  });
  writeDirAtomic(outDir, files);
  return { dir: outDir, card, files: card.files.map((f) => ({ file: f.file, bytes: f.bytes })) };
}
