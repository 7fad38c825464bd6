/** An ExportJob for a MAF: density (model.onnx: x -> log_prob, z) and sampling (sample.onnx: z -> x, a Loop). */
import { Params } from '../../training/nets/layers';
import { MafDefinition } from './maf';
import { ModelCard } from '../../export/card';
import { mafDensityGraph } from './maf-log-prob';
import { mafSampleGraph } from './maf-sample-loop';
import { ExportJob } from '../../export/export-model';
import { WeightMap } from '../../export/lower/types';
import { mafParity } from './maf-parity';
import { FLOW_FILES, flowJob } from '../../export/flow-job';

export const MAF_FILES = FLOW_FILES;

export interface MafJobInput {
  name: string;
  kind: string;
  def: MafDefinition;
  params: Params;
  weights: WeightMap;
  training: ModelCard['training'];
  /** The coordinates the flow models (from the run): e.g. 'standardised two moons'. */
  data: NonNullable<ModelCard['data']>;
  real?: { rows: Float32Array; n: number; what: string };
  parityN?: number;
  reference: string;
}

export function mafJob(input: MafJobInput): ExportJob {
  const { def, name } = input;
  const d = def.inputSize;
  return flowJob({
    ...input,
    family: 'maf',
    dims: d,
    description:
      `masked autoregressive flow (${def.flows.length} MADE flows, D = ${d}): ${MAF_FILES.logProb} maps x [N, ${d}] to log_prob [N] ` +
      `and z [N, ${d}] in one pass; ${MAF_FILES.sample} maps z [N, ${d}] to samples x [N, ${d}] (an ONNX Loop over the ${d} dimensions per flow)`,
    density: mafDensityGraph(def, input.weights, name),
    sample: mafSampleGraph(def, input.weights, name),
    parity: (files, bytes, opts) => mafParity(def, input.params, files, bytes, opts),
  });
}
