/**
 * The RealNVP family's bench hook: its sampler and density at the realnvp-fmnist run's default architecture beside
 * maf-fmnist's (its default MAF, the sampler a Loop over the pixels per flow: families/maf/maf-inference.ts), built
 * like every inference workload (eval/bench/inference-workloads.ts): the project's own definitions with seeded random
 * weights (speed does not depend on the values), lowered by the exporter exactly as `dgm export` does. The two
 * samplers are compared at batch 64 on onnxruntime-node with one thread (target: RealNVP >= 100x MAF).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import type { Params } from '../../training/nets/layers';
import { IMAGE_SHAPE } from '../../training/data/fashion-mnist';
import { builtToBytes } from '../../export/graphs/to-model';
import { weightsFromParams } from '../../export/weights';
import { disposeParams, InferenceWorkload, normal, readBack } from '../../eval/bench/inference-workloads';
import { mafFmnistSamplerWorkload } from '../maf/maf-inference';
import type { BenchOptions, BenchReport } from '../../eval/bench/run-bench';
import type { InferenceBenchFn } from '../family';
import { initRealNvpParams, RealNvpConfig, realnvpDefinition, realnvpForward, realnvpLogProb } from './definition';
import { realnvpDensityGraph, realnvpSampleGraph } from './graphs';
import { REALNVP_FMNIST_DEFAULTS, realnvpFmnistArchitecture, type RealNvpFmnistSettings } from './fmnist-run';

/** The architecture a realnvp-fmnist run with these settings trains (fmnist-run.ts), on Fashion-MNIST's image shape. */
export function realnvpFmnistConfig(s: RealNvpFmnistSettings): RealNvpConfig {
  return realnvpFmnistArchitecture(s, { height: IMAGE_SHAPE[0], width: IMAGE_SHAPE[1] });
}

/** realnvp-fmnist's default architecture. */
export const REALNVP_FMNIST: RealNvpConfig = realnvpFmnistConfig(REALNVP_FMNIST_DEFAULTS);

/** Random output layers: the init's zero ones would make every coupling the identity (same cost, but say no more). */
function randomOutputs(params: Params, rng: Random): void {
  for (const [name, v] of params) if (name.includes('.out.')) v.assign(tf.tensor(normal(rng, v.size).map((x) => 0.01 * x), v.shape));
}

export function realnvpWorkloads(config: RealNvpConfig = REALNVP_FMNIST, seed = 4): { sample: InferenceWorkload; logProb: InferenceWorkload } {
  const def = realnvpDefinition(config);
  const rng = new Random(seed);
  const params = initRealNvpParams(def, rng);
  randomOutputs(params, rng);
  const d = def.inputSize;
  const weights = weightsFromParams(params);
  const local = config.local ? `${config.local.couplings} local couplings (${config.local.kernel}x${config.local.kernel} conv to ${config.local.channels} channels), ` : '';
  const arch = `${local}${config.couplings} affine couplings, conditioners ${Math.floor(d / 2)}-${Array(config.nHidden).fill(config.hidden).join('-')}-${2 * (d - Math.floor(d / 2))}`;
  let live = 2;
  const done = () => { if (--live === 0) disposeParams(params); };
  const sample: InferenceWorkload = {
    key: 'realnvp-fmnist-sample',
    title: `RealNVP sampler (${arch}): z [B, ${d}] -> x, one pass`,
    unit: 'rows',
    onnx: builtToBytes(realnvpSampleGraph(def, weights, 'bench-realnvp-sample')),
    feeds: (b) => ({ z: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const z = normal(rng, b * d);
      return () => readBack(tf.tidy(() => realnvpForward(def, params, tf.tensor2d(z, [b, d])).x));
    },
    dispose: done,
  };
  const logProb: InferenceWorkload = {
    key: 'realnvp-fmnist-logprob',
    title: `RealNVP log_prob (${arch}): x [B, ${d}] -> log_prob [B]`,
    unit: 'rows',
    onnx: builtToBytes(realnvpDensityGraph(def, weights, 'bench-realnvp-logprob')),
    feeds: (b) => ({ x: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const x = normal(rng, b * d);
      return () => readBack(tf.tidy(() => realnvpLogProb(def, params, tf.tensor2d(x, [b, d]))));
    },
    dispose: done,
  };
  return { sample, logProb };
}

export const SAMPLER_SPEEDUP_TARGET = 100;

/**
 * The family's inferenceBench hook: times maf-fmnist's sampler (onnxruntime only: tfjs reruns the MADE 784 times per
 * flow), RealNVP's sampler at the sampler batches and its log_prob at the log_prob batches, then adds the sampler
 * target row (batch 64, one thread) to `report.targets`.
 */
export async function realnvpBenchRows(bench: InferenceBenchFn, o: Pick<BenchOptions, 'batches' | 'samplerBatches' | 'inferenceTiming'>, report: Pick<BenchReport, 'inference' | 'targets'>): Promise<void> {
  const maf = mafFmnistSamplerWorkload();
  try {
    await bench(maf, [64], [], { ...o.inferenceTiming, warmup: Math.min(1, o.inferenceTiming.warmup) });
  } finally {
    maf.dispose();
  }
  const { sample, logProb } = realnvpWorkloads();
  try {
    await bench(sample, [...new Set([...o.samplerBatches, 64])].sort((a, b) => a - b));
    await bench(logProb, o.batches);
  } finally {
    sample.dispose();
    logProb.dispose();
  }
  const one = 'onnxruntime-node cpu 1 thread';
  const at = (key: string) => report.inference.find((r) => r.workload === key && r.batch === 64 && r.runtime === one)?.perS;
  const ours = at('realnvp-fmnist-sample');
  const ref = at('maf-fmnist-sample');
  if (ours !== undefined && ref !== undefined) {
    report.targets.push({
      what: 'RealNVP sampler (realnvp-fmnist architecture) vs maf-fmnist sampler, batch 64, 1 thread: samples/s',
      ours,
      reference: ref,
      referenceSource: 'maf-fmnist sampler measured in this run (random weights)',
      ratio: ours / ref,
      target: `>= ${SAMPLER_SPEEDUP_TARGET}x maf-fmnist`,
      met: ours / ref >= SAMPLER_SPEEDUP_TARGET,
    });
  }
}
