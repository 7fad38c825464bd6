/**
 * convertLayersModel: a tfjs-layers LayersModel (a model.json path or ModelArtifacts) -> ONNX bytes and a report,
 * checked by default against tfjs-layers' own predict in onnxruntime-node and by the reference ONNX checker. A
 * failed check throws (ConvertParityError carries the report), so nothing unchecked reaches a file.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { Dim } from '../onnx/graph-builder';
import { ConvertError } from '../lower/tfjs-layers/types';
import { BuiltOnnx, MAX_OPSET, TensorInfo, buildOnnx } from './graph';
import { loadLayersModelFrom } from './load';
import { CheckerMode, CheckerVerdict, OutputParity, PARITY_BOUND, compare, ortPredict, runChecker, sampleInputs, tfjsPredict } from './verify';

export interface ConvertOptions {
  /** ONNX opset, 13-17 (default 17). */
  opset?: number;
  /** 'N' or another symbol: dynamic batch (default 'N'); a number: fixed. */
  batch?: Dim;
  inputNames?: string[];
  outputNames?: string[];
  /** Examples per parity check (default 16); 0 skips the tfjs comparison (the report says so). */
  parityN?: number;
  seed?: number;
  checker?: CheckerMode;
}

export interface ConvertReport {
  source: string;
  opset: number;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  layerCalls: Record<string, number>;
  nodes: number;
  transposes: number;
  onnxBytes: number;
  sourceBytes: number;
  parity: { n: number; seed: number; reference: string; bound: typeof PARITY_BOUND; inputs: string[]; outputs: OutputParity[] } | { skipped: string };
  checker: CheckerVerdict;
  seconds: { load: number; convert: number; check: number };
}

export interface ConvertResult {
  onnx: Uint8Array;
  report: ConvertReport;
}

export class ConvertCheckError extends ConvertError {
  constructor(message: string, readonly report: ConvertReport) {
    super(message);
    this.name = 'ConvertCheckError';
  }
}

const now = () => performance.now() / 1000;

export async function convertLayersModel(pathOrArtifacts: string | tf.io.ModelArtifacts, options: ConvertOptions = {}): Promise<ConvertResult> {
  const t0 = now();
  const loaded = await loadLayersModelFrom(pathOrArtifacts);
  const t1 = now();
  const opset = options.opset ?? MAX_OPSET;
  let built: BuiltOnnx;
  try {
    built = buildOnnx(loaded.model, { opset, batch: options.batch ?? 'N', inputNames: options.inputNames, outputNames: options.outputNames });
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
  const t2 = now();
  const n = options.parityN ?? 16;
  const seed = options.seed ?? 0;
  let parity: ConvertReport['parity'];
  try {
    if (n > 0) {
      const fixed = built.inputs.find((i) => typeof i.shape[0] === 'number');
      const rows = fixed ? (fixed.shape[0] as number) : n;
      const samples = sampleInputs(loaded.model, built.inputs, rows, seed);
      const want = tfjsPredict(loaded.model, samples);
      const got = await ortPredict(built.bytes, samples, built.outputs.map((o) => o.name));
      const outputs = built.outputs.map((o, i) => compare(o.name, [rows, ...(o.shape.slice(1) as number[])], got[i], want[i]));
      parity = { n: rows, seed, reference: `tfjs-layers ${tf.version_core} predict (${tf.getBackend()} backend)`, bound: PARITY_BOUND, inputs: samples.map((s) => `${s.name}: ${s.drawn}`), outputs };
    } else {
      parity = { skipped: 'parity check turned off (parityN 0)' };
    }
  } finally {
    loaded.model.dispose();
  }
  const checker = runChecker(built.bytes, options.checker ?? 'auto');
  const t3 = now();
  const report: ConvertReport = {
    source: loaded.source,
    opset,
    inputs: built.inputs,
    outputs: built.outputs,
    layerCalls: built.layerCalls,
    nodes: built.nodes,
    transposes: built.transposes,
    onnxBytes: built.bytes.byteLength,
    sourceBytes: loaded.sourceBytes,
    parity,
    checker,
    seconds: { load: t1 - t0, convert: t2 - t1, check: t3 - t2 },
  };
  const failed = 'outputs' in parity ? parity.outputs.filter((o) => !o.ok) : [];
  if (failed.length) throw new ConvertCheckError(`parity with tfjs failed for ${failed.map((o) => `${o.output} (max |diff| ${o.maxAbsDiff.toExponential(2)})`).join(', ')}\n${formatReport(report)}`, report);
  if (checker.ran && !checker.ok) throw new ConvertCheckError(`the reference ONNX checker rejected the model: ${checker.error}`, report);
  return { onnx: built.bytes, report };
}

/** Writes `file` whole or not at all; refuses to replace anything but a regular file. */
export function writeOnnxFile(file: string, bytes: Uint8Array): void {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(file);
  } catch {
    st = undefined;
  }
  if (st && !st.isFile()) throw new ConvertError(`${file} exists and is not a regular file (${st.isDirectory() ? 'a folder' : st.isSymbolicLink() ? 'a symbolic link' : 'special'}); not replacing it`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new ConvertError(`${file}: folder ${dir} does not exist`);
  writeFileAtomic(file, bytes);
}

function size(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

const dimsText = (d: Dim[]) => `[${d.join(', ')}]`;

export function formatReport(r: ConvertReport): string {
  const lines: string[] = [];
  const calls = Object.entries(r.layerCalls).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`source: ${r.source} (${size(r.sourceBytes)} model.json + weights)`);
  lines.push(`onnx: opset ${r.opset}, ${r.nodes} nodes (${r.transposes} Transpose), ${size(r.onnxBytes)}; layers: ${calls}`);
  lines.push(`inputs: ${r.inputs.map((i) => `${i.name} ${i.dtype} ${dimsText(i.shape)}`).join('; ')}`);
  lines.push(`outputs: ${r.outputs.map((o) => `${o.name} ${o.dtype} ${dimsText(o.shape)}`).join('; ')}`);
  if ('outputs' in r.parity) {
    const p = r.parity;
    lines.push(`parity: onnxruntime-node vs ${p.reference}, ${p.n} examples (seed ${p.seed}; ${p.inputs.join('; ')}), bound max(${p.bound.abs}, ${p.bound.rel} |tfjs|) per element`);
    const w = Math.max(...p.outputs.map((o) => o.output.length));
    for (const o of p.outputs) lines.push(`  ${o.output.padEnd(w)}  ${dimsText(o.shape).padEnd(16)} max |diff| ${o.maxAbsDiff.toExponential(2)}  (${(o.worstToBound * 100).toFixed(1)}% of bound)  ${o.ok ? 'ok' : 'FAILED'}`);
  } else {
    lines.push(`parity: not checked (${r.parity.skipped})`);
  }
  lines.push(`onnx checker: ${r.checker.ran ? (r.checker.ok ? `ok (onnx ${r.checker.onnx}, full check and strict shape inference)` : `FAILED: ${r.checker.error}`) : `not run (${r.checker.skipped})`}`);
  lines.push(`time: load ${r.seconds.load.toFixed(2)} s, convert ${r.seconds.convert.toFixed(2)} s, check ${r.seconds.check.toFixed(2)} s`);
  return lines.join('\n');
}
