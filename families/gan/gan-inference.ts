/** The GAN family's inference workloads for `dgm bench speed` and `dgm gpu-check` (eval/bench/inference-workloads.ts). */
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { Random } from '../../runtime/core/random';
import { builtToBytes } from '../../export/graphs/to-model';
import { weightsFromParams } from '../../export/weights';
import { disposeParams, InferenceWorkload, normal, readBack } from '../../eval/bench/inference-workloads';
import { ganDefinition, generate, initGanParams, CGAN_DEFAULTS } from './gan-nets';
import { generatorGraph } from './generator';

/** The course generator (gan and wgan-gp share it: z -> image) or the conditional one (cgan: z and label -> image). */
export function generatorWorkload(conditional: boolean, seed = 1): InferenceWorkload {
  const def = ganDefinition(conditional ? CGAN_DEFAULTS : {});
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  disposeParams(disc);
  const dz = def.config.dimZ;
  const k = def.config.numClasses;
  const [h, w, c] = def.imageShape;
  const onnx = builtToBytes(generatorGraph(def, weightsFromParams(gen), conditional ? 'bench-cgen' : 'bench-gen'));
  return {
    key: conditional ? 'cgenerator' : 'generator',
    title: conditional ? `conditional generator (cgan): z [B, ${dz}] + label -> image` : `course generator (gan, wgan-gp): z [B, ${dz}] -> image [B, ${c}, ${h}, ${w}]`,
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
      return () => readBack(tf.tidy(() => generate(def, gen, tf.tensor2d(z, [b, dz]), labels ? tf.tensor1d(labels, 'int32') : null, { training: false })));
    },
    dispose: () => disposeParams(gen),
  };
}
