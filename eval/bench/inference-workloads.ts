/**
 * The inference workloads `dgm bench speed` times: each network is built from the project's own definition with
 * seeded random weights (speed does not depend on the values), lowered to ONNX by the exporter exactly as
 * `dgm export` does, and also kept as tfjs parameters so the same network runs on tfjs. Inputs are drawn once per
 * batch size, outside the timed calls.
 *
 *  - generator:   the course GAN generator (gan and wgan-gp share it): z [B, 64] -> image [B, 1, 28, 28]
 *  - cgenerator:  the conditional generator (cgan): z and label -> image
 *  - made-logprob: one MADE 784-1024-1024-1568 as a Gaussian autoregressive density (the network of
 *                 torch_reference.py's made784_logprob_b256): x [B, 784] -> log_prob
 *  - maf-fmnist-logprob: the maf-fmnist run's default MAF (5 flows of MADE 784-1024-1568): x -> log_prob
 *  - made-sample: the sampler of the same one-MADE flow: D = 784 sequential steps in an ONNX Loop (incremental:
 *                 families/maf/maf-sample-loop.ts)
 *  - made-pass:   one pass of that MADE (the ideal of a sampler that reruns the MADE at each step is D times this)
 */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { ganDefinition, generate, initGanParams, CGAN_DEFAULTS } from '../../families/gan/gan-nets';
import { applyStack, Params } from '../../training/nets/layers';
import { initMafParams, mafDefinition, MafConfig, mafForward, mafLogProb } from '../../families/maf/maf';
import { builtToBytes } from '../../export/graphs/to-model';
import { generatorGraph } from '../../families/gan/generator';
import { mafDensityGraph } from '../../families/maf/maf-log-prob';
import { mafSampleGraph } from '../../families/maf/maf-sample-loop';
import { stackGraph } from '../../export/graphs/stack-graph';
import { modelBytes } from '../../export/onnx/model';
import { weightsFromParams } from '../../export/weights';

export interface InferenceWorkload {
  key: string;
  title: string;
  /** What one output row is. */
  unit: 'images' | 'rows';
  onnx: Uint8Array;
  /** ONNX feeds for a batch (drawn once, reused by every timed call). */
  feeds(batch: number): Record<string, ort.Tensor>;
  /** One tfjs call on a batch, reading the result back (so the time includes the work, not just its dispatch). */
  tfjs(batch: number): () => void;
  dispose(): void;
}

/** torch_reference.py's MADE: two hidden layers of 1024. */
export const MADE_784: MafConfig = { inputSize: 784, hiddenSize: 1024, nHidden: 2, nFlows: 1 };
/** families/maf/maf-fmnist.ts's defaults (hidden 1024, one hidden layer, 5 flows). */
export const MAF_FMNIST: MafConfig = { inputSize: 784, hiddenSize: 1024, nHidden: 1, nFlows: 5 };

function disposeParams(p: Params): void {
  for (const v of p.values()) v.dispose();
}

function normal(rng: Random, n: number): Float32Array {
  return rng.fillNormal(new Float32Array(n));
}

function read(t: tf.Tensor): void {
  t.dataSync();
  t.dispose();
}

export function generatorWorkload(conditional: boolean, seed = 1): InferenceWorkload {
  const def = ganDefinition(conditional ? CGAN_DEFAULTS : {});
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  disposeParams(disc);
  const dz = def.config.dimZ;
  const k = def.config.numClasses;
  const onnx = builtToBytes(generatorGraph(def, weightsFromParams(gen), conditional ? 'bench-cgen' : 'bench-gen'));
  return {
    key: conditional ? 'cgenerator' : 'generator',
    title: conditional ? 'conditional generator (cgan): z [B, 64] + label -> image' : 'course generator (gan, wgan-gp): z [B, 64] -> image [B, 1, 28, 28]',
    unit: 'images',
    onnx,
    feeds: (b) => {
      const f: Record<string, ort.Tensor> = { z: new ort.Tensor('float32', normal(rng, b * dz), [b, dz]) };
      if (conditional) f.label = new ort.Tensor('int64', BigInt64Array.from({ length: b }, (_, i) => BigInt(i % k)), [b]);
      return f;
    },
    tfjs: (b) => {
      const z = normal(rng, b * dz);
      const labels = conditional ? Int32Array.from({ length: b }, (_, i) => i % k) : null;
      return () => read(tf.tidy(() => generate(def, gen, tf.tensor2d(z, [b, dz]), labels ? tf.tensor1d(labels, 'int32') : null, { training: false })));
    },
    dispose: () => disposeParams(gen),
  };
}

export function mafLogProbWorkload(key: string, config: MafConfig, seed = 2): InferenceWorkload {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  const d = def.inputSize;
  const onnx = builtToBytes(mafDensityGraph(def, weightsFromParams(params), `bench-${key}`));
  const arch = `${config.nFlows} flow${config.nFlows > 1 ? 's' : ''} of MADE ${d}-${Array(config.nHidden).fill(config.hiddenSize).join('-')}-${2 * d}`;
  return {
    key,
    title: `MAF log_prob (${arch}): x [B, ${d}] -> log_prob [B]`,
    unit: 'rows',
    onnx,
    feeds: (b) => ({ x: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const x = normal(rng, b * d);
      return () => read(tf.tidy(() => mafLogProb(def, params, tf.tensor2d(x, [b, d]))));
    },
    dispose: () => disposeParams(params),
  };
}

/** The sampler of a one-flow MAF and one pass of its MADE (the pass is the unit of the sampler's ideal time). */
export function mafSamplerWorkloads(config: MafConfig, seed = 3): { sample: InferenceWorkload; pass: InferenceWorkload } {
  const def = mafDefinition(config);
  const rng = new Random(seed);
  const params = initMafParams(def, rng);
  const d = def.inputSize;
  const weights = weightsFromParams(params);
  const made = def.flows[0].made;
  const sampleBytes = builtToBytes(mafSampleGraph(def, weights, 'bench-made-sample'));
  const passBytes = modelBytes(stackGraph({ model: 'bench-made-pass', stack: made.stack, weights, inputShape: [d] }).model);
  const arch = `MADE ${d}-${Array(config.nHidden).fill(config.hiddenSize).join('-')}-${2 * d}`;
  const sample: InferenceWorkload = {
    key: 'made-sample',
    title: `MAF sampler (${config.nFlows} flow of ${arch}): z [B, ${d}] -> x, ${d} sequential steps (ONNX Loop)`,
    unit: 'rows',
    onnx: sampleBytes,
    feeds: (b) => ({ z: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const z = normal(rng, b * d);
      return () => read(tf.tidy(() => mafForward(def, params, tf.tensor2d(z, [b, d])).x));
    },
    dispose: () => undefined,
  };
  const pass: InferenceWorkload = {
    key: 'made-pass',
    title: `one pass of the sampler's ${arch} (the sampler's ideal is ${d} x this)`,
    unit: 'rows',
    onnx: passBytes,
    feeds: (b) => ({ x: new ort.Tensor('float32', normal(rng, b * d), [b, d]) }),
    tfjs: (b) => {
      const x = normal(rng, b * d);
      return () => read(tf.tidy(() => applyStack(made.stack, params, tf.tensor2d(x, [b, d]), { training: false })));
    },
    dispose: () => disposeParams(params),
  };
  return { sample, pass };
}
