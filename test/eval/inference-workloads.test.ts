/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The inference workloads the bench times, as the families build them (families/gan/gan-inference.ts,
 * families/maf/maf-inference.ts, families/realnvp/bench.ts), made one group at a time as `dgm bench speed` makes
 * them (a group is alive together: tfjs variables are named, so a group holding two sets of the same names would
 * clash), each ONNX graph run by onnxruntime-node on its own feeds with outputs of the expected batch and finite
 * values, and each tfjs call run.
 */
import * as ort from 'onnxruntime-node';
import { initBackend, shutdownBackend } from '../../training/backend';
import type { InferenceWorkload } from '../../eval/bench/inference-workloads';
import { generatorWorkload } from '../../families/gan/gan-inference';
import { mafLogProbWorkload, mafSamplerWorkload, mafSamplerWorkloads } from '../../families/maf/maf-inference';
import { realnvpWorkloads } from '../../families/realnvp/bench';

const SMALL = { inputSize: 6, hiddenSize: 12, nHidden: 2, nFlows: 1 };
const SMALL_FLOWS = { inputSize: 6, hiddenSize: 10, nHidden: 1, nFlows: 3, conditionerBound: 4 };

beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});
afterAll(async () => {
  await shutdownBackend();
});

async function check(w: InferenceWorkload, rowSize: number): Promise<void> {
  const session = await ort.InferenceSession.create(w.onnx, { intraOpNumThreads: 1 });
  try {
    const out = await session.run(w.feeds(3));
    const first = out[session.outputNames[0]];
    expect([w.key, first.dims[0], first.size]).toEqual([w.key, 3, 3 * rowSize]);
    expect([w.key, (first.data as Float32Array).every(Number.isFinite)]).toEqual([w.key, true]);
  } finally {
    await session.release();
  }
  w.tfjs(2)();
}

/** Makes a group of workloads, checks each, frees them (as the bench does). */
async function group(make: () => { w: InferenceWorkload; rowSize: number }[]): Promise<string[]> {
  const all = make();
  try {
    for (const { w, rowSize } of all) await check(w, rowSize);
    return all.map((a) => a.w.title);
  } finally {
    for (const { w } of all) w.dispose();
  }
}

test('every workload group builds, runs in onnxruntime on its feeds and in tfjs, and frees its variables', async () => {
  const titles = [
    ...(await group(() => [{ w: generatorWorkload(false), rowSize: 28 * 28 }])),
    ...(await group(() => [{ w: generatorWorkload(true), rowSize: 28 * 28 }])),
    ...(await group(() => [{ w: mafLogProbWorkload('small-logprob', SMALL), rowSize: 1 }])),
    ...(await group(() => [{ w: mafLogProbWorkload('flows-logprob', SMALL_FLOWS), rowSize: 1 }])),
    // The sampler and one pass of its MADE share one set of weights.
    ...(await group(() => {
      const { sample, pass } = mafSamplerWorkloads(SMALL);
      return [{ w: sample, rowSize: 6 }, { w: pass, rowSize: 12 }];
    })),
    ...(await group(() => [{ w: mafSamplerWorkload('flows-sample', SMALL_FLOWS, 5, 'a run'), rowSize: 6 }])),
    ...(await group(() => {
      const rn = realnvpWorkloads({ inputSize: 6, couplings: 3, hidden: 8, nHidden: 1, logScaleBound: 2, firstMask: 'identity' });
      return [{ w: rn.sample, rowSize: 6 }, { w: rn.logProb, rowSize: 1 }];
    })),
  ];
  expect(titles).toContain('MAF sampler (a run: 3 flows of MADE 6-10-12): z [B, 6] -> x, 6 sequential steps per flow (ONNX Loop)');
  expect(titles).toContain('MAF sampler (1 flow of MADE 6-12-12-12): z [B, 6] -> x, 6 sequential steps (ONNX Loop)');
});
