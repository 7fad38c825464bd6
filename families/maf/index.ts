/** The MAF family: masked autoregressive flows (stacks of MADEs), runs maf-moons and maf-fmnist. */
import { Random } from '../../runtime/core/random';
import { loadReference } from '../../export/run-facts';
import type { Family } from '../family';
import { initMafParams, mafForward, mafInverse, mafLogProb } from './maf';
import { MAF_KIND, mafDefinitionFromRunConfig } from './maf-common';
import { MAF_BENCH } from './maf-bench';
import { mafJobFromCheckpoint } from './maf-export';
import { MAF_FMNIST_RUN } from './maf-fmnist';
import { MAF_MOONS_RUN } from './maf-moons';

export const family: Family = {
  name: MAF_KIND,
  type: 'flow',
  description: 'masked autoregressive flow: a stack of MADEs with Gaussian conditionals (density one pass, sampling D steps)',
  runs: [MAF_MOONS_RUN, MAF_FMNIST_RUN],
  exportJob: mafJobFromCheckpoint,
  bench: MAF_BENCH,
  contract: {
    run: 'maf-moons',
    set: { hidden: '8', flows: '2', n: '600', plotEvery: '0', valEvery: '0' },
    batch: 50,
    load(ck) {
      const def = mafDefinitionFromRunConfig(ck.config);
      const params = loadReference(initMafParams(def, new Random(0)), ck, 'contract checkpoint');
      return {
        type: 'flow',
        dims: def.inputSize,
        inverse: (x) => mafInverse(def, params, x),
        forward: (z) => mafForward(def, params, z).x,
        logProb: (x) => mafLogProb(def, params, x),
        dispose: () => params.forEach((v) => v.dispose()),
      };
    },
  },
};
