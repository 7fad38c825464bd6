/**
 * From a training run folder (runs/<name>/) to an ExportJob: read best.ckpt (else checkpoint.ckpt) with the
 * harness's reader, rebuild the network from the checkpoint's kind + config with the model owners' definitions,
 * load the weights into tfjs (the parity reference), gather the training facts for the card and, where the run's
 * data can be found, real inputs for a second parity check.
 *
 * Kinds: 'maf' (families/maf/maf-common.ts: config { maf, data, train }); the GAN kinds (families/gan/gan-export.ts);
 * 'classifier' (families/classifier/classifier-export.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { Random } from '../runtime/core/random';
import { BEST_FILE, CHECKPOINT_FILE } from '../training/harness/loop';
import { Checkpoint, readCheckpoint } from '../training/harness/checkpoint';
import { makeMoons } from '../training/data/moons';
import { findFashionMnist, readSplit, toUnitDequantized } from '../training/data/fashion-mnist';
import { logit } from '../training/data/logit';
import { MafDefinition, initMafParams } from '../families/maf/maf';
import { mafDefinitionFromRunConfig } from '../families/maf/maf-common';
import { ExportJob } from './export-model';
import { mafJob } from '../families/maf/maf-job';
import { ExportError } from './lower/types';
import { weightsFromTensors } from './weights';
import { ganKinds, ganJobFromCheckpoint } from '../families/gan/gan-export';
import { CLASSIFIER_KIND, classifierJobFromCheckpoint } from '../families/classifier/classifier-export';
import { loadReference, trainingFacts } from './run-facts';
import { WeightStorage } from './graphs/to-model';

/** The MAF runs' checkpoint contract (families/maf/maf-common.ts): kind 'maf', config { maf: MafConfig, data, train }. */
export const MAF_KIND = 'maf';

function mafDefinitionOf(config: unknown, where: string): MafDefinition {
  try {
    return mafDefinitionFromRunConfig(config);
  } catch (e) {
    throw new ExportError(`${where}: ${(e as Error).message}`);
  }
}

/** Random stream of the dequantization noise of the real-data check (any fixed stream: it only has to be reproducible). */
const REAL_DATA_STREAM = 0x72656164;

export interface RunExportOptions {
  /** 'best' (default): best.ckpt when the run has one, else checkpoint.ckpt; 'last': checkpoint.ckpt. */
  which?: 'best' | 'last';
  parityN?: number;
  /** Fashion-MNIST folder for the real-data checks (default: the data module's discovery order). */
  dataDir?: string;
  /** Skip the real-data parity checks. */
  noRealData?: boolean;
  reference: string;
  /** How the files store the weights (default float32; float16: export/onnx/float16.ts). */
  weights?: WeightStorage;
}

export interface RunJob {
  job: ExportJob;
  checkpointFile: string;
  /** Releases the tfjs variables of the reference model. */
  dispose(): void;
  notes: string[];
}

export function runCheckpointFile(runDir: string, which: 'best' | 'last' = 'best'): string | null {
  const best = path.join(runDir, BEST_FILE);
  const last = path.join(runDir, CHECKPOINT_FILE);
  if (which === 'best' && fs.existsSync(best)) return best;
  return fs.existsSync(last) ? last : null;
}

/** Every folder under `runsRoot` holding a checkpoint, sorted by name. */
export function findRuns(runsRoot: string): string[] {
  if (!fs.existsSync(runsRoot)) return [];
  return fs
    .readdirSync(runsRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => path.join(runsRoot, e.name))
    .filter((d) => runCheckpointFile(d) !== null)
    .sort();
}

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

async function mafFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
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

export async function jobFromRun(runDir: string, opts: RunExportOptions): Promise<RunJob> {
  const file = runCheckpointFile(runDir, opts.which);
  if (!file) throw new ExportError(`run ${runDir}: no ${BEST_FILE} or ${CHECKPOINT_FILE} (train it first)`);
  const ck = readCheckpoint(file);
  const name = path.basename(path.resolve(runDir));
  const withStorage = (r: RunJob): RunJob => ({ ...r, job: { ...r.job, weights: opts.weights ?? 'float32' } });
  if (ck.kind === MAF_KIND) return withStorage(await mafFromCheckpoint(name, runDir, file, ck, opts));
  if (ganKinds().includes(ck.kind)) return withStorage(await ganJobFromCheckpoint(name, runDir, file, ck, opts));
  if (ck.kind === CLASSIFIER_KIND) return withStorage(await classifierJobFromCheckpoint(name, runDir, file, ck, opts));
  throw new ExportError(`run ${runDir}: checkpoint kind ${JSON.stringify(ck.kind)} has no exporter (known: ${[MAF_KIND, ...ganKinds(), CLASSIFIER_KIND].join(', ')})`);
}
