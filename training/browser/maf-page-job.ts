/**
 * The moons flow as the page trains it, and the ExportJob of its weights: the same config as `dgm train maf-moons`
 * (training/runs/maf-moons.ts defaults) and the same job `dgm export` builds from a maf checkpoint
 * (export/from-run.ts: mafJob with the checkpoint's tensors, the run's data facts and the moons test points as the
 * real-data check). Platform-free: the page calls it in the browser, the page's test in Node.
 */
import { makeMoons, type Moons } from '../data/moons';
import { MafRunConfig } from '../../families/maf/maf-common';
import { mafDefinitionFromRunConfig } from '../../families/maf/maf-common';
import { Params } from '../nets/layers';
import { MafDefinition } from '../../families/maf/maf';
import { ModelCard } from '../../export/card';
import { ExportJob } from '../../export/export-model';
import { mafJob } from '../../families/maf/maf-job';
import { weightsFromTensors } from '../../export/weights';

/** = training/harness/loop.ts STREAM_INIT (the loop module itself is Node-only; a test checks they agree). */
export const PAGE_STREAM_INIT = 0x696e6974;

export interface PageMafOptions {
  hidden: number;
  nHidden: number;
  flows: number;
  lr: number;
  weightDecay: number;
  batch: number;
  /** The moons set (size and seed), as maf-moons' n and dataSeed. */
  n: number;
  dataSeed: number;
}

/** maf-moons' defaults (training/runs/maf-moons.ts MAF_MOONS_DEFAULTS, batch 100). */
export const PAGE_MAF_DEFAULTS: PageMafOptions = { hidden: 100, nHidden: 1, flows: 5, lr: 1e-3, weightDecay: 1e-6, batch: 100, n: 30000, dataSeed: 0 };

/** The checkpoint config a maf-moons run writes (kind 'maf'), for these options; `moons` is makeMoons' output. */
export function pageMafConfig(o: PageMafOptions, moons: Moons): MafRunConfig {
  return {
    maf: { inputSize: 2, hiddenSize: o.hidden, nHidden: o.nHidden, nFlows: o.flows, ordering: 'sequential' },
    data: { dataset: 'moons', n: o.n, noise: 0.05, seed: o.dataSeed, coordinates: 'standardized (x - mean) / std', mean: moons.mean, std: moons.std },
    train: { lr: o.lr, weightDecay: o.weightDecay, batch: o.batch },
  };
}

export interface TrainedMaf {
  /** The name the model is exported under (models/<name>/). */
  name: string;
  config: MafRunConfig;
  /** The trained weights by parameter name (the checkpoint's tensors, optimizer state left out). */
  tensors: { name: string; shape: number[]; data: Float32Array }[];
  training: ModelCard['training'];
}

/**
 * The ExportJob of trained weights, as export/from-run.ts builds it for a maf checkpoint (kind, data facts, the
 * real-data check on the first 1000 moons test points). `params` holds the same weights as tfjs variables: the
 * parity reference.
 */
export function pageMafJob(t: TrainedMaf, params: Params, opts: { reference: string; parityN?: number }): { job: ExportJob; def: MafDefinition } {
  const def = mafDefinitionFromRunConfig(t.config);
  const data = t.config.data;
  const moons = makeMoons({ seed: data.seed as number, n: data.n as number });
  const m = Math.min(opts.parityN ?? 1000, moons.test.length / 2);
  const job = mafJob({
    name: t.name,
    kind: 'maf',
    def,
    params,
    weights: weightsFromTensors(t.tensors.filter((x) => !x.name.startsWith('opt/'))),
    training: t.training,
    data: { dimensions: def.inputSize, space: String(data.coordinates ?? data.dataset ?? 'unknown'), details: data },
    real: { rows: moons.test.slice(0, 2 * m), n: m, what: `${m} two-moons test points (standardized, as trained)` },
    parityN: opts.parityN,
    reference: opts.reference,
  });
  return { job: { ...job, weights: 'float32' }, def };
}
