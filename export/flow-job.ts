/**
 * What every flow family's export shares: the two files (model.onnx: x -> log_prob, z; sample.onnx: z -> x), the
 * card facts of a flow and the parity call with the sample bound the runtimes will read from the card. A family
 * brings its graphs, its parity reference and its description. Platform-free (the training page exports with it);
 * a checkpoint's export inputs are real-data.ts's flowCheckpointInputs.
 */
import type { ModelCard, ParityCheck } from './card';
import type { ExportJob } from './export-model';
import type { BuiltGraph } from './graphs/built-graph';
import type { RealRows } from './real-data';
import { transformOfDetails } from '../runtime/core/card';
import { divergenceBound } from '../runtime/core/flow';

export const FLOW_FILES = { logProb: 'model.onnx', sample: 'sample.onnx' } as const;

export type FlowParity = (
  files: typeof FLOW_FILES,
  bytes: { logProb: Uint8Array; sample: Uint8Array },
  opts: { n?: number; real?: RealRows; sampleBound: number },
) => Promise<ParityCheck[]>;

export interface FlowJobSpec {
  name: string;
  kind: string;
  family: string;
  description: string;
  /** The flow's dimensions D. */
  dims: number;
  density: BuiltGraph;
  sample: BuiltGraph;
  training: ModelCard['training'];
  data: NonNullable<ModelCard['data']>;
  real?: RealRows;
  parityN?: number;
  reference: string;
  parity: FlowParity;
}

export function flowJob(spec: FlowJobSpec): ExportJob {
  return {
    name: spec.name,
    kind: spec.kind,
    family: spec.family,
    type: 'flow',
    description: spec.description,
    graphs: [
      { file: FLOW_FILES.logProb, built: spec.density },
      { file: FLOW_FILES.sample, built: spec.sample },
    ],
    facts: { latentSize: spec.dims, numClasses: 0, classNames: [], data: spec.data, training: spec.training },
    reference: spec.reference,
    parity: (bytes) =>
      spec.parity(FLOW_FILES, { logProb: bytes.get(FLOW_FILES.logProb)!, sample: bytes.get(FLOW_FILES.sample)! }, {
        n: spec.parityN,
        real: spec.real,
        // The bound the runtimes will read from this card: validated here with the same rule.
        sampleBound: divergenceBound(transformOfDetails(spec.data.details ?? {}, spec.dims, spec.name)),
      }),
  };
}
