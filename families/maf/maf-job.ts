/** An ExportJob for a MAF: density (model.onnx: x -> log_prob, z) and sampling (sample.onnx: z -> x, a Loop). */
import { Params } from '../../training/nets/layers';
import { MafDefinition } from './maf';
import { ModelCard } from '../../export/card';
import { mafDensityGraph } from './maf-log-prob';
import { mafSampleGraph } from './maf-sample-loop';
import { ExportJob } from '../../export/export-model';
import { WeightMap } from '../../export/lower/types';
import { mafParity } from './maf-parity';
import { transformOfDetails } from '../../runtime/core/card';
import { divergenceBound } from '../../runtime/core/flow';

export const MAF_FILES = { logProb: 'model.onnx', sample: 'sample.onnx' } as const;

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
  return {
    name,
    kind: input.kind,
    family: 'maf',
    type: 'flow',
    description:
      `masked autoregressive flow (${def.flows.length} MADE flows, D = ${d}): ${MAF_FILES.logProb} maps x [N, ${d}] to log_prob [N] ` +
      `and z [N, ${d}] in one pass; ${MAF_FILES.sample} maps z [N, ${d}] to samples x [N, ${d}] (an ONNX Loop over the ${d} dimensions per flow)`,
    graphs: [
      { file: MAF_FILES.logProb, built: mafDensityGraph(def, input.weights, name) },
      { file: MAF_FILES.sample, built: mafSampleGraph(def, input.weights, name) },
    ],
    facts: { latentSize: d, numClasses: 0, classNames: [], data: input.data, training: input.training },
    reference: input.reference,
    parity: (bytes) =>
      mafParity(def, input.params, MAF_FILES, { logProb: bytes.get(MAF_FILES.logProb)!, sample: bytes.get(MAF_FILES.sample)! }, {
        n: input.parityN,
        real: input.real,
        // The bound the runtimes will read from this card: validated here with the same rule.
        sampleBound: divergenceBound(transformOfDetails(input.data.details ?? {}, d, name)),
      }),
  };
}
