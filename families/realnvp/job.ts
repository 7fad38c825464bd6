/**
 * Checkpoint (kind 'realnvp') -> ExportJob: model.onnx (x -> log_prob, z) and sample.onnx (z -> x), both single
 * pass, with parity against the tfjs reference on the model's samples and, where the run's data is found, on real
 * data in the coordinates it was trained on (moons test points; dequantized, logit-transformed test images).
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { transformOfDetails } from '../../runtime/core/card';
import { divergenceBound } from '../../runtime/core/flow';
import { Checkpoint } from '../../training/harness/checkpoint';
import { Params } from '../../training/nets/layers';
import { ExportJob } from '../../export/export-model';
import { ExportError, WeightMap } from '../../export/lower/types';
import { weightsFromTensors } from '../../export/weights';
import { loadReference, trainingFacts } from '../../export/run-facts';
import { flowRealRows } from '../../export/real-data';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { ModelCard } from '../../export/card';
import { initRealNvpParams, REALNVP_KIND, RealNvpDefinition, realnvpDefinitionFromRunConfig } from './definition';
import { realnvpDensityGraph, realnvpSampleGraph } from './graphs';
import { realnvpParity } from './reference';

export const REALNVP_FILES = { logProb: 'model.onnx', sample: 'sample.onnx' } as const;

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

export function realnvpJob(input: RealNvpJobInput): ExportJob {
  const { def, name } = input;
  const d = def.inputSize;
  return {
    name,
    kind: REALNVP_KIND,
    family: REALNVP_KIND,
    type: 'flow',
    description:
      `RealNVP (${def.couplings.length} affine couplings, D = ${d}): ${REALNVP_FILES.logProb} maps x [N, ${d}] to log_prob [N] and z [N, ${d}], ` +
      `${REALNVP_FILES.sample} maps z [N, ${d}] to samples x [N, ${d}]; both in one pass`,
    graphs: [
      { file: REALNVP_FILES.logProb, built: realnvpDensityGraph(def, input.weights, name) },
      { file: REALNVP_FILES.sample, built: realnvpSampleGraph(def, input.weights, name) },
    ],
    facts: { latentSize: d, numClasses: 0, classNames: [], data: input.data, training: input.training },
    reference: input.reference,
    parity: (bytes) =>
      realnvpParity(def, input.params, REALNVP_FILES, { logProb: bytes.get(REALNVP_FILES.logProb)!, sample: bytes.get(REALNVP_FILES.sample)! }, {
        n: input.parityN,
        real: input.real,
        sampleBound: divergenceBound(transformOfDetails(input.data.details ?? {}, d, name)),
      }),
  };
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
  const data = ((ck.config as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let real: { rows: Float32Array; n: number; what: string } | undefined;
  if (!opts.noRealData) {
    const r = flowRealRows(data, def.inputSize, opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  const job = realnvpJob({
    name,
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
