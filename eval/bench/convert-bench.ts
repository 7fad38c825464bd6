/**
 * Inference speed of a converted tfjs-layers model: a MobileNet-style net converted by `dgm convert` (checked against
 * tfjs like every conversion), timed on onnxruntime-node (1 and 2 threads) and on tfjs's wasm backend (the same
 * model's predict), at each batch size. `dgm bench convert` writes reports/bench-convert.{json,md}.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { initBackend, shutdownBackend } from '../../training/backend';
import { writeFileAtomic } from '../../training/harness/atomic-write';
import { ConvertReport, convertLayersModel } from '../../export/convert/convert';
import { tfl } from '../../export/convert/tfjs-layers-node';
import { MobileNetStyleOptions, mobileNetStyle, seedWeights } from './convert-models';
import { Timing, ortSessionOptions, timeCalls } from './timing';

export interface ConvertBenchOptions {
  model: MobileNetStyleOptions;
  batches: number[];
  ortThreads: number[];
  wasmThreads: number;
  reps: number;
  warmup: number;
  budgetMs: number;
}

export interface ConvertBenchRow {
  runtime: string;
  batch: number;
  timing: Timing;
  imagesPerSecond: number;
}

export interface ConvertBenchReport {
  model: MobileNetStyleOptions & { params: number };
  conversion: Pick<ConvertReport, 'onnxBytes' | 'sourceBytes' | 'nodes' | 'transposes' | 'seconds'> & { worstMaxAbsDiff: number };
  rows: ConvertBenchRow[];
  machine: string;
}

async function artifacts(model: tfl.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return saved!;
}

export async function runConvertBench(o: ConvertBenchOptions): Promise<ConvertBenchReport> {
  await initBackend({ backend: 'cpu', quiet: true });
  const built = mobileNetStyle(o.model);
  seedWeights(built, 1);
  const params = built.countParams();
  const art = await artifacts(built);
  built.dispose();
  const { onnx, report } = await convertLayersModel(art, {});
  const worst = 'outputs' in report.parity ? Math.max(...report.parity.outputs.map((p) => p.maxAbsDiff)) : NaN;
  const rows: ConvertBenchRow[] = [];
  const timing = { warmup: o.warmup, reps: o.reps, minReps: 3, budgetMs: o.budgetMs };
  const inputOf = (n: number) => new Random(2).fillNormal(new Float32Array(n * o.model.size * o.model.size * 3));
  for (const threads of o.ortThreads) {
    const s = await ort.InferenceSession.create(onnx, ortSessionOptions(threads));
    for (const n of o.batches) {
      const x = new ort.Tensor('float32', inputOf(n), [n, o.model.size, o.model.size, 3]);
      const t = await timeCalls(() => s.run({ image: x }), timing);
      rows.push({ runtime: `onnxruntime-node ${threads} thread${threads > 1 ? 's' : ''}`, batch: n, timing: t, imagesPerSecond: (1000 * n) / t.medianMs });
    }
    await s.release();
  }
  await initBackend({ backend: 'wasm', threads: o.wasmThreads, quiet: true });
  const model = await tfl.loadLayersModel(tf.io.fromMemory(art));
  for (const n of o.batches) {
    const x = tf.tensor4d(inputOf(n), [n, o.model.size, o.model.size, 3]);
    const t = await timeCalls(() => {
      const y = model.predict(x, { batchSize: n }) as tf.Tensor;
      y.dataSync();
      y.dispose();
    }, timing);
    x.dispose();
    rows.push({ runtime: `tfjs wasm ${o.wasmThreads} thread${o.wasmThreads > 1 ? 's' : ''} (predict)`, batch: n, timing: t, imagesPerSecond: (1000 * n) / t.medianMs });
  }
  model.dispose();
  await shutdownBackend();
  const { onnxBytes, sourceBytes, nodes, transposes, seconds } = report;
  return { model: { ...o.model, params }, conversion: { onnxBytes, sourceBytes, nodes, transposes, seconds, worstMaxAbsDiff: worst }, rows, machine: `${require('os').cpus().length} cores, load ${require('os').loadavg()[0].toFixed(1)}` };
}

export function convertBenchMarkdown(r: ConvertBenchReport): string {
  const m = r.model;
  const c = r.conversion;
  const lines = [
    `# Converted model speed (dgm bench convert)`,
    '',
    `MobileNet-style net, input [${m.size}, ${m.size}, 3], widths ${m.widths.join('/')}, ${m.classes} classes, ${m.params} parameters; converted in ${c.seconds.convert.toFixed(3)} s ` +
      `(${c.nodes} nodes, ${c.transposes} Transpose; ONNX ${c.onnxBytes} B vs model.json + weights ${c.sourceBytes} B), worst max |onnx - tfjs| ${c.worstMaxAbsDiff.toExponential(2)}. Machine: ${r.machine}.`,
    '',
    '| runtime | batch | median ms | min-max ms | images/s |',
    '| --- | --- | --- | --- | --- |',
    ...r.rows.map((row) => `| ${row.runtime} | ${row.batch} | ${row.timing.medianMs.toFixed(2)} | ${row.timing.minMs.toFixed(2)}-${row.timing.maxMs.toFixed(2)} (${row.timing.reps} calls) | ${row.imagesPerSecond.toFixed(0)} |`),
  ];
  return lines.join('\n') + '\n';
}

export function writeConvertBench(r: ConvertBenchReport, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, 'bench-convert.json'), JSON.stringify(r, null, 2) + '\n');
  const md = convertBenchMarkdown(r);
  writeFileAtomic(path.join(dir, 'bench-convert.md'), md);
  return md;
}
