/** The classifier run's training step for `make bench`: cross-entropy + Adam at its batch on random images. */
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { biasesBeforeBatchNorm, disposeParams, readLosses, type Workload } from '../../training/bench/workloads';
import { trainable } from '../../training/nets/layers';
import { adam } from '../../training/optim/fused-adam';
import type { TrainingBench } from '../family';
import { classifierDefinition, classify, crossEntropy, initClassifierParams } from './classifier';

function classifierWorkload(batch = 128, seed = 3): Workload {
  const def = classifierDefinition();
  const rng = new Random(seed);
  const params = initClassifierParams(def, rng);
  const opt = adam(1e-3, 0.9, 0.999, 1e-8);
  const [h, w, c] = def.imageShape;
  const x = rng.fillUniform(new Float32Array(batch * h * w * c), -1, 1);
  const y = Int32Array.from({ length: batch }, (_, i) => i % def.config.numClasses);
  const vars = trainable(params);
  return {
    title: `classifier training step (Adam), batch ${batch}`,
    rows: batch,
    variables: () => vars,
    step: () =>
      readLosses({
        loss: tf.tidy(() => opt.minimize(() => crossEntropy(classify(def, params, tf.tensor4d(x, [batch, h, w, c]), { training: true }).logits, tf.tensor1d(y, 'int32')), true, vars)!),
      }),
    dispose: () => {
      opt.dispose();
      disposeParams(params);
    },
  };
}

export const CLASSIFIER_BENCH: Record<string, TrainingBench> = {
  classifier: { workload: (batch) => classifierWorkload(batch), structurallyZero: () => biasesBeforeBatchNorm(classifierDefinition().trunk) },
};
