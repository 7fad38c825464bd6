/**
 * Real inputs for export's second parity check (beside seeded noise): the run's own test data in the coordinates
 * the model was trained in, or the reason there is none (data not installed). Shared by every family's export job.
 */
import { Random } from '../runtime/core/random';
import { FashionMnistSplit, findFashionMnist, readSplit, toSymmetric, toUnitDequantized } from '../training/data/fashion-mnist';
import { logit } from '../training/data/logit';
import { makeMoons } from '../training/data/moons';
import type { RealImages } from './validate';
import type { ModelCard } from './card';
import type { RunExportOptions } from './from-run';
import type { WeightMap } from './lower/types';
import { trainingFacts } from './run-facts';
import { weightsFromTensors } from './weights';
import type { Checkpoint } from '../training/harness/checkpoint';

/** Random stream of the dequantization noise of the real-data check (any fixed stream: it only has to be reproducible). */
const REAL_DATA_STREAM = 0x72656164;

export interface RealRows {
  rows: Float32Array;
  n: number;
  what: string;
}

/** The Fashion-MNIST test split, or why the real-data check cannot run. */
export function fashionMnistTest(dataDir?: string): FashionMnistSplit | string {
  let loc;
  try {
    loc = findFashionMnist({ dir: dataDir, download: 'never', quiet: true });
  } catch (e) {
    return `no real-data check: ${(e as Error).message}`;
  }
  if (!loc) return 'no real-data check: Fashion-MNIST not found (make data)';
  return readSplit(loc, 'test');
}

/** Up to n test images for a generator's discriminator or a classifier, in [-1, 1] as the GAN runs train. */
export function realTestImages(n: number, dataDir?: string): RealImages | string {
  const test = fashionMnistTest(dataDir);
  if (typeof test === 'string') return test;
  const m = Math.min(n, test.n);
  return {
    pixels: toSymmetric(test.images.subarray(0, m * test.rows * test.cols)),
    labels: Int32Array.from(test.labels.subarray(0, m)),
    n: m,
    what: `${m} Fashion-MNIST test images (pixels / 127.5 - 1)`,
  };
}

/**
 * Up to n test rows [n, d] of a flow, from its run's data config (`config.data`): two-moons test points as
 * standardized in training, or Fashion-MNIST test images dequantized to [0, 1) and logit-transformed with the run's
 * lambda (the coordinates of the flow runs).
 */
export function flowRealRows(data: Record<string, unknown>, d: number, n: number, dataDir?: string): RealRows | string {
  if (data.dataset === 'moons') {
    const moons = makeMoons({ seed: data.seed as number, n: data.n as number });
    const m = Math.min(n, moons.test.length / 2);
    return { rows: moons.test.slice(0, 2 * m), n: m, what: `${m} two-moons test points (standardized, as trained)` };
  }
  if (data.dataset === 'fashion-mnist') {
    const lambda = data.lambda as number;
    const test = fashionMnistTest(dataDir);
    if (typeof test === 'string') return test;
    const m = Math.min(n, test.n);
    const x = toUnitDequantized(test.images.subarray(0, m * d), new Random(0, REAL_DATA_STREAM));
    return { rows: logit(x, d, lambda).y, n: m, what: `${m} Fashion-MNIST test images, dequantized and logit-transformed (lambda ${lambda}) as trained` };
  }
  return `no real-data check for dataset ${JSON.stringify(data.dataset)}`;
}

/** A flow checkpoint's export inputs: its weights (without optimizer state), training facts, data facts from
 *  `config.data`, and the real test rows for the second parity check (or, in `notes`, why there are none). */
export function flowCheckpointInputs(runDir: string, file: string, ck: Checkpoint, dims: number, opts: RunExportOptions): {
  weights: WeightMap;
  training: ModelCard['training'];
  data: NonNullable<ModelCard['data']>;
  real?: RealRows;
  notes: string[];
} {
  const details = ((ck.config as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let real: RealRows | undefined;
  if (!opts.noRealData) {
    const r = flowRealRows(details, dims, opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  return {
    weights: weightsFromTensors(ck.tensors.filter((t) => !t.name.startsWith('opt/'))),
    training: trainingFacts(runDir, file, ck),
    data: { dimensions: dims, space: String(details.coordinates ?? details.dataset ?? 'unknown'), details },
    real,
    notes,
  };
}
