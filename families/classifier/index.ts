/** The classifier family: the Fashion-MNIST CNN whose features are eval's FID/KID space and whose predictions judge class fidelity. */
import { Random } from '../../runtime/core/random';
import { loadReference } from '../../export/run-facts';
import type { Family } from '../family';
import { classifierDefinition, classify, initClassifierParams } from './classifier';
import { CLASSIFIER_BENCH } from './classifier-bench';
import { classifierJobFromCheckpoint, classifierNetConfigOf } from './classifier-export';
import { CLASSIFIER_KIND, CLASSIFIER_RUN } from './classifier-run';

export const family: Family = {
  name: CLASSIFIER_KIND,
  type: 'classifier',
  description: 'image classifier (strided CNN): logits and the penultimate features',
  runs: [CLASSIFIER_RUN],
  exportJob: classifierJobFromCheckpoint,
  bench: CLASSIFIER_BENCH,
  contract: {
    run: 'classifier',
    set: { valSize: '20', features: '16', channels1: '4', channels2: '4' },
    batch: 16,
    load(ck) {
      const def = classifierDefinition(classifierNetConfigOf(ck.config, 'contract checkpoint'));
      const params = loadReference(initClassifierParams(def, new Random(0)), ck, 'contract checkpoint');
      return {
        type: 'classifier',
        numClasses: def.config.numClasses,
        imageShape: def.imageShape,
        classify: (x) => classify(def, params, x, { training: false }).logits,
        dispose: () => params.forEach((v) => v.dispose()),
      };
    },
  },
};
