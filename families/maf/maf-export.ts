/**
 * MAF checkpoints -> ExportJob. Contract (maf-common.ts): kind 'maf', config { maf: MafConfig, data, train };
 * `config.data` says which coordinates x is in, and where the run's data can be found, real inputs give a second
 * parity check.
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { makeMoons } from '../../training/data/moons';
import { findFashionMnist, readSplit, toUnitDequantized } from '../../training/data/fashion-mnist';
import { logit } from '../../training/data/logit';
import { MafDefinition, initMafParams } from './maf';
import { mafDefinitionFromRunConfig } from './maf-common';
import { mafJob } from './maf-job';
import { ExportError } from '../../export/lower/types';
import { weightsFromTensors } from '../../export/weights';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference, trainingFacts } from '../../export/run-facts';

function mafDefinitionOf(config: unknown, where: string): MafDefinition {
  try {
    return mafDefinitionFromRunConfig(config);
  } catch (e) {
    throw new ExportError(`${where}: ${(e as Error).message}`);
  }
}

/** Random stream of the dequantization noise of the real-data check (any fixed stream: it only has to be reproducible). */
const REAL_DATA_STREAM = 0x72656164;

function mafRealRows(data: Record<string, unknown>, n: number, dataDir?: string): { rows: Float32Array; n: number; what: string } | string {
  if (data.dataset === 'moons') {
    const moons = makeMoons({ seed: data.seed as number, n: data.n as number });
    const m = Math.min(n, moons.test.length / 2);
    return { rows: moons.test.slice(0, 2 * m), n: m, what: `${m} two-moons test points (standardized, as trained)` };
  }
  if (data.dataset === 'fashion-mnist') {
    // The coordinates of families/maf/maf-fmnist.ts: dequantized pixels in [0, 1), then logit with its lambda.
    const lambda = data.lambda as number;
    let loc;
    try {
      loc = findFashionMnist({ dir: dataDir, download: 'never', quiet: true });
    } catch (e) {
      return `no real-data check: ${(e as Error).message}`;
    }
    if (!loc) return 'no real-data check: Fashion-MNIST not found (make data)';
    const test = readSplit(loc, 'test');
    const m = Math.min(n, test.n);
    const x = toUnitDequantized(test.images.subarray(0, m * 784), new Random(0, REAL_DATA_STREAM));
    return { rows: logit(x, 784, lambda).y, n: m, what: `${m} Fashion-MNIST test images, dequantized and logit-transformed (lambda ${lambda}) as trained` };
  }
  return `no real-data check for dataset ${JSON.stringify(data.dataset)}`;
}

export async function mafJobFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  const def = mafDefinitionOf(ck.config, path.relative(process.cwd(), file));
  const params = loadReference(initMafParams(def, new Random(0)), ck, file);
  const data = ((ck.config as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let real: { rows: Float32Array; n: number; what: string } | undefined;
  if (!opts.noRealData) {
    const r = mafRealRows(data, opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  const job = mafJob({
    name,
    kind: ck.kind,
    def,
    params,
    weights: weightsFromTensors(ck.tensors.filter((t) => !t.name.startsWith('opt/'))),
    training: trainingFacts(runDir, file, ck),
    data: { dimensions: def.inputSize, space: String(data.coordinates ?? data.dataset ?? 'unknown'), details: data },
    real,
    parityN: opts.parityN,
    reference: opts.reference,
  });
  return { job, checkpointFile: file, dispose: () => params.forEach((v) => v.dispose()), notes };
}

