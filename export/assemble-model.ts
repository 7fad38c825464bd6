/**
 * The bytes of an exported model, platform-free: build every graph, measure parity (the job's own check, run on
 * whatever onnxruntime the job was built with), round to float16 where asked, then the card and every .onnx file
 * with the card in its metadata_props. No file system, no Node API: `dgm export` (export-model.ts) writes what this
 * returns, and the page that trains in the browser (training/browser/) calls the same function.
 *
 * Deterministic: the same job (graphs, weights, facts) and the same `facts` below give the same bytes, whichever
 * platform runs it. What differs between two exports of the same weights is only what goes in through `facts` and
 * the parity numbers the job measures: the ONNX checker's verdict, the runtime named in the card, the commit and
 * the time of export.
 */
import type { ExportJob } from './export-model';
import { builtToBytes } from './graphs/to-model';
import { Float16Deviation, GraphCard, ModelCard, ParityCheck, cardMetadata } from './card';
import { contentSha256, modelId, Sha256 } from '../runtime/core/integrity';
import { ExportError } from './lower/types';
import { failedChecks } from './validate';

export interface AssembleFacts {
  /** Names the onnxruntime the parity checks ran on (card.parity.runtime). */
  runtime: string;
  /** The ONNX checker's verdict on the files (without metadata) that will be written. */
  checker(bytes: Map<string, Uint8Array>): ModelCard['checker'] | Promise<ModelCard['checker']>;
  /** card.export: commit, opset, producer, time (card.ts exportFacts). */
  export: ModelCard['export'];
  sha256: Sha256;
}

export interface AssembledModel {
  card: ModelCard;
  /** File name -> contents: every .onnx file and card.json (text). */
  files: Record<string, Uint8Array | string>;
}

export async function assembleModel(job: ExportJob, facts: AssembleFacts): Promise<AssembledModel> {
  const plain = new Map<string, Uint8Array>();
  const weights = job.weights ?? 'float32';
  for (const g of job.graphs) plain.set(g.file, builtToBytes(g.built));
  const checks: ParityCheck[] = await job.parity(plain);
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
  const checker = await facts.checker(plain);
  // The card holds each file's hash without its metadata_props, so the hashes are known before the card is.
  const files: GraphCard[] = [];
  for (const g of job.graphs) {
    files.push({ file: g.file, role: g.built.role as GraphCard['role'], inputs: g.built.inputs, outputs: g.built.outputs, bytes: 0, sha256: await contentSha256(plain.get(g.file)!, facts.sha256) });
  }
  const card: ModelCard & { id: string } = {
    format: 'dgm-model-card/1',
    name: job.name,
    id: await modelId(job.name, files as { file: string; sha256: string }[], facts.sha256),
    kind: job.kind,
    family: job.family,
    type: job.type,
    ...(job.variant !== undefined ? { variant: job.variant } : {}),
    description: job.description,
    files,
    weights,
    ...job.facts,
    parity: { reference: job.reference, runtime: facts.runtime, checks, ...(float16 ? { float16 } : {}) },
    checker,
    export: facts.export,
  };
  // File sizes go into the card, which goes into the files: the card's own length changes the sizes, so encode
  // until they agree (two rounds at most unless a size gains a digit).
  const out: Record<string, Uint8Array | string> = {};
  let stable = false;
  for (let round = 0; round < 4 && !stable; round++) {
    stable = true;
    for (const [i, g] of job.graphs.entries()) {
      const b = builtToBytes(g.built, await cardMetadata(card, g.built.role, facts.sha256), weights);
      out[g.file] = b;
      if (files[i].bytes !== b.length) {
        files[i].bytes = b.length;
        stable = false;
      }
    }
  }
  if (!stable) throw new Error(`internal error: model "${job.name}": file sizes in the card did not settle`);
  for (const f of files) {
    if ((await contentSha256(out[f.file] as Uint8Array, facts.sha256)) !== f.sha256) throw new Error(`internal error: model "${job.name}": ${f.file} changed outside its metadata_props when the card was added`);
  }
  out['card.json'] = JSON.stringify(card, null, 2) + '\n';
  return { card, files: out };
}
