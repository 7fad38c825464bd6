/**
 * From a training run folder (runs/<name>/) to an ExportJob: read best.ckpt (else checkpoint.ckpt) with the
 * harness's reader, rebuild the network from the checkpoint's kind + config with the model owners' definitions,
 * load the weights into tfjs (the parity reference), gather the training facts for the card and, where the run's
 * data can be found, real inputs for a second parity check.
 *
 * The checkpoint's kind names its family (families/registry.ts familyOfKind, which also knows the kinds older code
 * wrote); the family's exportJob builds the job.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BEST_FILE, CHECKPOINT_FILE } from '../training/harness/loop';
import { readCheckpoint } from '../training/harness/checkpoint';
import { familyOfKind, knownKinds } from '../families/registry';
import { ExportJob } from './export-model';
import { ExportError } from './lower/types';
import { WeightStorage } from './graphs/to-model';

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

export async function jobFromRun(runDir: string, opts: RunExportOptions): Promise<RunJob> {
  const file = runCheckpointFile(runDir, opts.which);
  if (!file) throw new ExportError(`run ${runDir}: no ${BEST_FILE} or ${CHECKPOINT_FILE} (train it first)`);
  const ck = readCheckpoint(file);
  const name = path.basename(path.resolve(runDir));
  const withStorage = (r: RunJob): RunJob => ({ ...r, job: { ...r.job, weights: opts.weights ?? 'float32' } });
  const family = familyOfKind(ck.kind);
  if (!family) throw new ExportError(`run ${runDir}: checkpoint kind ${JSON.stringify(ck.kind)} has no exporter (known: ${knownKinds().join(', ')})`);
  return withStorage(await family.exportJob(name, runDir, file, ck, opts));
}
