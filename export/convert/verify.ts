/**
 * The check every conversion gets: seeded random inputs of the model's shapes (integer ids below inputDim for an
 * input that feeds an Embedding) through tfjs-layers' own predict and through onnxruntime-node, max |difference| per
 * output against max(1e-5, 1e-5 |tfjs|) per element; and the reference ONNX checker (python3-onnx).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { CheckResult, checkOnnxFiles, checkerUnavailable } from '../onnx-checker';
import { ConvertError } from '../lower/tfjs-layers/types';
import { TensorInfo } from './graph';

export const PARITY_BOUND = { abs: 1e-5, rel: 1e-5 } as const;

export interface OutputParity {
  output: string;
  shape: number[];
  maxAbsDiff: number;
  /** Largest |onnx - tfjs| / max(1e-5, 1e-5 |tfjs|) over the elements: <= 1 passes. */
  worstToBound: number;
  ok: boolean;
}

export interface InputSample {
  name: string;
  dtype: TensorInfo['dtype'];
  dims: number[];
  data: Float32Array | Int32Array;
  /** How it was drawn, for the report. */
  drawn: string;
}

/** The smallest inputDim of the Embedding layers reading each model input directly (undefined: none does). */
function embeddingRanges(model: tfl.LayersModel): Map<number, number> {
  const out = new Map<number, number>();
  const visit = (m: tfl.LayersModel | { layers: tfl.layers.Layer[] }) => {
    for (const layer of m.layers) {
      const inner = layer as unknown as { layers?: tfl.layers.Layer[] };
      if (Array.isArray(inner.layers)) visit(inner as { layers: tfl.layers.Layer[] });
      if (layer.getClassName() !== 'Embedding') continue;
      const dim = layer.getConfig().inputDim as number;
      for (const node of (layer as unknown as { inboundNodes: { inputTensors: { id: number }[] }[] }).inboundNodes) {
        for (const t of node.inputTensors) out.set(t.id, Math.min(out.get(t.id) ?? Infinity, dim));
      }
    }
  };
  visit(model);
  return out;
}

export function sampleInputs(model: tfl.LayersModel, inputs: TensorInfo[], n: number, seed: number): InputSample[] {
  const rng = new Random(seed);
  const ranges = embeddingRanges(model);
  return inputs.map((info, i) => {
    const dims = [n, ...(info.shape.slice(1) as number[])];
    const size = dims.reduce((a, b) => a * b, 1);
    const ids = ranges.get(model.inputs[i].id);
    if (ids !== undefined || info.dtype !== 'float32') {
      const k = ids ?? 10;
      const data = Int32Array.from({ length: size }, () => rng.int(k));
      return { name: info.name, dtype: info.dtype, dims, data: info.dtype === 'float32' ? Float32Array.from(data) : data, drawn: `integer ids in [0, ${k})` };
    }
    return { name: info.name, dtype: info.dtype, dims, data: rng.fillNormal(new Float32Array(size)), drawn: 'x ~ N(0, 1)' };
  });
}

export function tfjsPredict(model: tfl.LayersModel, samples: InputSample[]): Float32Array[] {
  const xs = samples.map((s) => tf.tensor(s.data, s.dims, s.dtype === 'float32' ? 'float32' : 'int32'));
  try {
    const y = model.predict(xs.length === 1 ? xs[0] : xs, { batchSize: samples[0].dims[0] });
    const ys = Array.isArray(y) ? y : [y];
    const out = ys.map((t) => Float32Array.from(t.dataSync() as Float32Array));
    ys.forEach((t) => t.dispose());
    return out;
  } finally {
    xs.forEach((t) => t.dispose());
  }
}

export async function ortPredict(bytes: Uint8Array, samples: InputSample[], outputs: string[], threads = 1): Promise<Float32Array[]> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of samples) feeds[s.name] = s.dtype === 'float32' ? new ort.Tensor('float32', s.data as Float32Array, s.dims) : new ort.Tensor('int32', s.data as Int32Array, s.dims);
    const res = await session.run(feeds);
    return outputs.map((o) => {
      const t = res[o];
      if (!t || t.type !== 'float32') throw new ConvertError(`onnxruntime gave no float32 output ${o}`);
      return t.data as Float32Array;
    });
  } finally {
    await session.release();
  }
}

export function compare(output: string, shape: number[], got: Float32Array, want: Float32Array): OutputParity {
  if (got.length !== want.length) throw new ConvertError(`output ${output}: onnxruntime gave ${got.length} values, tfjs ${want.length}`);
  let maxAbsDiff = 0;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    // NaN or infinity on either side counts as infinitely far unless both are the same infinity.
    const e = got[i] === want[i] ? 0 : Number.isNaN(d) ? Infinity : d;
    if (e > maxAbsDiff) maxAbsDiff = e;
    const r = e / Math.max(PARITY_BOUND.abs, PARITY_BOUND.rel * Math.abs(want[i]));
    if (r > worst) worst = r;
  }
  return { output, shape, maxAbsDiff, worstToBound: worst, ok: worst <= 1 };
}

export type CheckerMode = 'auto' | 'require' | 'off';

export interface CheckerVerdict {
  ran: boolean;
  ok?: boolean;
  error?: string;
  onnx?: string;
  /** Why it did not run. */
  skipped?: string;
}

export function runChecker(bytes: Uint8Array, mode: CheckerMode): CheckerVerdict {
  if (mode === 'off') return { ran: false, skipped: 'turned off (--checker off)' };
  const why = checkerUnavailable();
  if (why) {
    if (mode === 'require') throw new ConvertError(`the reference ONNX checker cannot run: ${why}`);
    return { ran: false, skipped: why };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-convert-'));
  try {
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, bytes);
    const [r]: CheckResult[] = checkOnnxFiles([file]);
    return { ran: true, ok: r.ok, error: r.error, onnx: r.onnx };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
