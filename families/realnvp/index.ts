/**
 * The RealNVP family: affine coupling flows (definition.ts), their loss (loss.ts), the runs realnvp-moons and
 * realnvp-fmnist, single-pass ONNX graphs (graphs.ts), the tfjs parity reference (reference.ts), the export job
 * (job.ts) and the sampler/density bench rows (bench.ts). Cards say family 'realnvp', type 'flow': the runtime's
 * Flow loads them.
 */
import { Random } from '../../runtime/core/random';
import { loadReference } from '../../export/run-facts';
import type { Family } from '../family';
import { initRealNvpParams, REALNVP_KIND, realnvpDefinitionFromRunConfig, realnvpForward, realnvpInverse, realnvpLogProb } from './definition';
import { realnvpFmnistRun } from './fmnist-run';
import { realnvpExportJob } from './job';
import { realnvpBenchRows } from './bench';
import { realnvpMoonsRun } from './moons-run';

export const family: Family = {
  name: REALNVP_KIND,
  type: 'flow',
  description: 'RealNVP: affine coupling layers with alternating masks and bounded log-scales; single-pass sampling and density',
  runs: [realnvpMoonsRun, realnvpFmnistRun],
  exportJob: realnvpExportJob,
  inferenceBench: realnvpBenchRows,
  contract: {
    run: 'realnvp-moons',
    set: { hidden: '8', couplings: '4', n: '600', plotEvery: '0', valEvery: '0' },
    batch: 50,
    load(ck) {
      const def = realnvpDefinitionFromRunConfig(ck.config);
      const params = loadReference(initRealNvpParams(def, new Random(0)), ck, 'contract checkpoint');
      return {
        type: 'flow',
        dims: def.inputSize,
        inverse: (x) => realnvpInverse(def, params, x),
        forward: (z) => realnvpForward(def, params, z).x,
        logProb: (x) => realnvpLogProb(def, params, x),
        dispose: () => params.forEach((v) => v.dispose()),
      };
    },
  },
};
