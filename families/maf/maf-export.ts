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
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference } from '../../export/run-facts';
import { flowCheckpointInputs } from '../../export/real-data';

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
  const { notes, ...facts } = flowCheckpointInputs(runDir, file, ck, def.inputSize, opts);
  const job = mafJob({ name, kind: ck.kind, def, params, ...facts, parityN: opts.parityN, reference: opts.reference });
  return { job, checkpointFile: file, dispose: () => params.forEach((v) => v.dispose()), notes };
}

