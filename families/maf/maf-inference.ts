/**
 * The MAF family's inference workloads for `dgm bench speed`, `dgm gpu-check` and the RealNVP comparison
 * (eval/bench/inference-workloads.ts):
 *  - made-logprob: one MADE 784-1024-1024-1568 as a Gaussian autoregressive density (the network of
 *                  torch_reference.py's made784_logprob_b256): x [B, 784] -> log_prob
 *  - maf-fmnist-logprob: the maf-fmnist run's default MAF: x -> log_prob
 *  - made-sample: the sampler of the one-MADE flow: D sequential steps in an ONNX Loop (incremental:
 *                 maf-sample-loop.ts); maf-fmnist-sample: the same for the maf-fmnist run's default MAF
 *  - made-pass:   one pass of that MADE (the ideal of a sampler that reruns the MADE at each step is D times this)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { applyStack, type Params } from '../../training/nets/layers';
import { IMAGE_SHAPE } from '../../training/data/fashion-mnist';
import { builtToBytes } from '../../export/graphs/to-model';
import { stackGraph } from '../../export/graphs/stack-graph';
import { modelBytes } from '../../export/onnx/model';
import { weightsFromParams } from '../../export/weights';
import { disposeParams, InferenceWorkload, normal, readBack } from '../../eval/bench/inference-workloads';
import { initMafParams, mafDefinition, MafConfig, MafDefinition, mafForward, mafLogProb } from './maf';
import { mafDensityGraph } from './maf-log-prob';
import { mafSampleGraph } from './maf-sample-loop';
import { MAF_FMNIST_DEFAULTS } from './maf-fmnist';

const PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1] * IMAGE_SHAPE[2];

/** torch_reference.py's MADE: two hidden layers of 1024. */
export const MADE_784: MafConfig = { inputSize: PIXELS, hiddenSize: 1024, nHidden: 2, nFlows: 1 };
/** The maf-fmnist run's default MAF (maf-fmnist.ts's defaults). */
export const MAF_FMNIST: MafConfig = {
  inputSize: PIXELS,
  hiddenSize: MAF_FMNIST_DEFAULTS.hidden,
  nHidden: MAF_FMNIST_DEFAULTS.nHidden,
  nFlows: MAF_FMNIST_DEFAULTS.flows,
  ...(MAF_FMNIST_DEFAULTS.logScaleBound !== 0 ? { logScaleBound: MAF_FMNIST_DEFAULTS.logScaleBound } : {}),
  ...(MAF_FMNIST_DEFAULTS.conditionerBound !== 0 ? { conditionerBound: MAF_FMNIST_DEFAULTS.conditionerBound } : {}),
};

function architecture(config: MafConfig): string {
  const d = config.inputSize;
  const made = `MADE ${d}-${Array(config.nHidden).fill(config.hiddenSize).join('-')}-${2 * d}`;
  return config.nFlows > 1 ? `${config.nFlows} flows of ${made}` : `1 flow of ${made}`;
}

export function mafLogProbWorkload(key: string, config: MafConfig, seed = 2): InferenceWorkload {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  const d = def.inputSize;
  const onnx = builtToBytes(mafDensityGraph(def, weightsFromParams(params), `bench-${key}`));
  return {
    key,
    title: `MAF log_prob (${architecture(config)}): x [B, ${d}] -> log_prob [B]`,
    unit: 'rows',
    onnx,
    feeds: (b) => ({ x: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const x = normal(rng, b * d);
      return () => readBack(tf.tidy(() => mafLogProb(def, params, tf.tensor2d(x, [b, d]))));
    },
    dispose: () => disposeParams(params),
  };
}

/** A MAF's sampler: the Loop graph `dgm export` writes for it (`run` names the run whose default MAF it is). */
export function mafSamplerWorkload(key: string, config: MafConfig, seed: number, run?: string): InferenceWorkload {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  return samplerOf(key, config, def, params, rng, () => disposeParams(params), run);
}

function samplerOf(key: string, config: MafConfig, def: MafDefinition, params: Params, rng: Random, dispose: () => void, run?: string): InferenceWorkload {
  const d = def.inputSize;
  return {
    key,
    title: `MAF sampler (${run ? `${run}: ` : ''}${architecture(config)}): z [B, ${d}] -> x, ${d} sequential steps${config.nFlows > 1 ? ' per flow' : ''} (ONNX Loop)`,
    unit: 'rows',
    onnx: builtToBytes(mafSampleGraph(def, weightsFromParams(params), `bench-${key}`)),
    feeds: (b) => ({ z: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const z = normal(rng, b * d);
      return () => readBack(tf.tidy(() => mafForward(def, params, tf.tensor2d(z, [b, d])).x));
    },
    dispose,
  };
}

/** maf-fmnist's sampler (its run's default MAF, all its flows). */
export function mafFmnistSamplerWorkload(seed = 5): InferenceWorkload {
  return mafSamplerWorkload('maf-fmnist-sample', MAF_FMNIST, seed, 'maf-fmnist');
}

/** The sampler of a one-flow MAF and one pass of its MADE (the pass is the unit of the sampler's ideal time), with
 *  the same weights. */
export function mafSamplerWorkloads(config: MafConfig, seed = 3): { sample: InferenceWorkload; pass: InferenceWorkload } {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  // One set of weights for both (tfjs variables are named: a second set would clash); the pass frees it.
  const sample = samplerOf('made-sample', config, def, params, rng, () => undefined);
  const d = def.inputSize;
  const made = def.flows[0].made;
  const passBytes = modelBytes(stackGraph({ model: 'bench-made-pass', stack: made.stack, weights: weightsFromParams(params), inputShape: [d] }).model);
  const pass: InferenceWorkload = {
    key: 'made-pass',
    title: `one pass of the sampler's MADE ${d}-${Array(config.nHidden).fill(config.hiddenSize).join('-')}-${2 * d} (the sampler's ideal is ${d} x this)`,
    unit: 'rows',
    onnx: passBytes,
    feeds: (b) => ({ x: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const x = normal(rng, b * d);
      return () => readBack(tf.tidy(() => applyStack(made.stack, params, tf.tensor2d(x, [b, d]), { training: false })));
    },
    dispose: () => disposeParams(params),
  };
  return { sample, pass };
}
