/** The GAN runs' training step for `make bench` / gpu-check: ganStep at the run's batch on random images. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { biasesBeforeBatchNorm, disposeParams, readLosses, type Workload } from '../../training/bench/workloads';
import { trainable } from '../../training/nets/layers';
import type { TrainingBench } from '../family';
import { ganStep, makeAdam, type GanVariant } from './gan-common';
import { GP_WEIGHT } from './gan-losses';
import { CGAN_DEFAULTS, ganDefinition, initGanParams } from './gan-nets';

function ganWorkload(variant: GanVariant, batch = 64, seed = 1): Workload {
  const { conditional, loss } = variant;
  const def = ganDefinition(conditional ? CGAN_DEFAULTS : {});
  const rng = new Random(seed);
  const { gen, disc } = initGanParams(def, rng);
  const opts = { d: makeAdam(1e-3, 0.5, 0.999), g: makeAdam(1e-3, 0.5, 0.999) };
  const [h, w, c] = def.imageShape;
  const x = rng.fillUniform(new Float32Array(batch * h * w * c), -1, 1);
  const k = def.config.numClasses;
  const labels = Int32Array.from({ length: batch }, (_, i) => i % Math.max(k, 1));
  const dz = def.config.dimZ;
  return {
    title: `${variant.name} training step (D then G, Adam), batch ${batch}`,
    rows: batch,
    variables: () => [...trainable(gen), ...trainable(disc)],
    step: () =>
      readLosses(
        tf.tidy(() =>
          ganStep(
            def, gen, disc, opts, loss,
            tf.tensor4d(x, [batch, h, w, c]),
            conditional ? tf.tensor1d(labels, 'int32') : null,
            tf.tensor2d(rng.fillNormal(new Float32Array(batch * dz)), [batch, dz]),
            loss === 'wgan-gp' ? tf.tensor1d(rng.fillUniform(new Float32Array(batch))) : null,
            GP_WEIGHT,
          ),
        ),
      ),
    dispose: () => {
      opts.d.dispose();
      opts.g.dispose();
      disposeParams(gen, disc);
    },
  };
}

export function ganBench(variants: readonly GanVariant[]): Record<string, TrainingBench> {
  const out: Record<string, TrainingBench> = {};
  for (const v of variants) {
    out[v.name] = {
      workload: (batch) => ganWorkload(v, batch),
      // The course GAN is gpu-check's GAN row (gan and wgan-gp share its networks).
      ...(v.name === 'gan' ? { gpuCheck: { batch: 64, softwareBatch: 8 } } : {}),
      structurallyZero: () => biasesBeforeBatchNorm(ganDefinition(v.conditional ? CGAN_DEFAULTS : {}).generator.stack),
    };
  }
  return out;
}
