/**
 * MAF checkpoints -> ExportJob. Contract (maf-common.ts): kind 'maf', config { maf: MafConfig, data, train };
 * `config.data` says which coordinates x is in, and where the run's data can be found, real inputs give a second
 * parity check.
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { MafDefinition, initMafParams } from './maf';
import { mafDefinitionFromRunConfig } from './maf-common';
import { mafJob } from './maf-job';
import { ExportError } from '../../export/lower/types';
import { weightsFromTensors } from '../../export/weights';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference, trainingFacts } from '../../export/run-facts';
import { flowRealRows } from '../../export/real-data';

function mafDefinitionOf(config: unknown, where: string): MafDefinition {
  try {
    return mafDefinitionFromRunConfig(config);
  } catch (e) {
    throw new ExportError(`${where}: ${(e as Error).message}`);
  }
}


export async function mafJobFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  const def = mafDefinitionOf(ck.config, path.relative(process.cwd(), file));
  const params = loadReference(initMafParams(def, new Random(0)), ck, file);
  const data = ((ck.config as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let real: { rows: Float32Array; n: number; what: string } | undefined;
  if (!opts.noRealData) {
    const r = flowRealRows(data, def.inputSize, opts.parityN ?? 1000, opts.dataDir);
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

