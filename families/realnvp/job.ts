/**
 * Checkpoint (kind 'realnvp') -> ExportJob: model.onnx (x -> log_prob, z) and sample.onnx (z -> x), both single
 * pass, with parity against the tfjs reference on the model's samples and, where the run's data is found, on real
 * data in the coordinates it was trained on (moons test points; dequantized, logit-transformed test images).
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { Params } from '../../training/nets/layers';
import { ExportJob } from '../../export/export-model';
import { ExportError, WeightMap } from '../../export/lower/types';
import { loadReference } from '../../export/run-facts';
import { FLOW_FILES, flowJob } from '../../export/flow-job';
import { flowCheckpointInputs } from '../../export/real-data';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { ModelCard } from '../../export/card';
import { initRealNvpParams, REALNVP_KIND, RealNvpDefinition, realnvpDefinitionFromRunConfig } from './definition';
import { realnvpDensityGraph, realnvpSampleGraph } from './graphs';
import { realnvpParity } from './reference';

export const REALNVP_FILES = FLOW_FILES;

export interface RealNvpJobInput {
  name: string;
  def: RealNvpDefinition;
  params: Params;
  weights: WeightMap;
  training: ModelCard['training'];
  data: NonNullable<ModelCard['data']>;
  real?: { rows: Float32Array; n: number; what: string };
  parityN?: number;
  reference: string;
}

/** '6 affine couplings', or '2 local and 6 dense affine couplings'. */
function couplingCount(def: RealNvpDefinition): string {
  const local = def.couplings.filter((c) => c.grid).length;
  const dense = def.couplings.length - local;
  return local > 0 ? `${local} local and ${dense} dense affine couplings` : `${dense} affine couplings`;
}

export function realnvpJob(input: RealNvpJobInput): ExportJob {
  const { def, name } = input;
  const d = def.inputSize;
  return flowJob({
    ...input,
    kind: REALNVP_KIND,
    family: REALNVP_KIND,
    dims: d,
    description:
      `RealNVP (${couplingCount(def)}, D = ${d}): ${REALNVP_FILES.logProb} maps x [N, ${d}] to log_prob [N] and z [N, ${d}], ` +
      `${REALNVP_FILES.sample} maps z [N, ${d}] to samples x [N, ${d}]; both in one pass`,
    density: realnvpDensityGraph(def, input.weights, name),
    sample: realnvpSampleGraph(def, input.weights, name),
    parity: (files, bytes, opts) => realnvpParity(def, input.params, files, bytes, opts),
  });
}

/** The family's export hook: what export/from-run.ts calls for a checkpoint of kind 'realnvp'. */
export async function realnvpExportJob(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  let def: RealNvpDefinition;
  try {
    def = realnvpDefinitionFromRunConfig(ck.config);
  } catch (e) {
    throw new ExportError(`${path.relative(process.cwd(), file)}: ${(e as Error).message}`);
  }
  const params = loadReference(initRealNvpParams(def, new Random(0)), ck, file);
  const { notes, ...facts } = flowCheckpointInputs(runDir, file, ck, def.inputSize, opts);
  const job = realnvpJob({ name, def, params, ...facts, parityN: opts.parityN, reference: opts.reference });
  return { job, checkpointFile: file, dispose: () => params.forEach((v) => v.dispose()), notes };
}
