/**
 * What every flow family's export shares: the two files (model.onnx: x -> log_prob, z; sample.onnx: z -> x), the
 * card facts of a flow, the parity call with the sample bound the runtimes will read from the card, and the
 * checkpoint facts (weights, training, data, real test rows). A family brings its graphs, its parity reference and
 * its description.
 */
import type { ModelCard, ParityCheck } from './card';
import type { ExportJob } from './export-model';
import type { RunExportOptions } from './from-run';
import type { BuiltGraph } from './graphs/built-graph';
import type { WeightMap } from './lower/types';
import { flowRealRows, type RealRows } from './real-data';
import { trainingFacts } from './run-facts';
import { weightsFromTensors } from './weights';
import type { Checkpoint } from '../training/harness/checkpoint';
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

/** A flow checkpoint's export inputs: its weights (without optimizer state), training facts, data facts from
 *  `config.data`, and the real test rows for the second parity check (or, in `notes`, why there are none). */
export function flowCheckpointInputs(runDir: string, file: string, ck: Checkpoint, dims: number, opts: RunExportOptions): {
  weights: WeightMap;
  training: ModelCard['training'];
  data: NonNullable<ModelCard['data']>;
  real?: RealRows;
  notes: string[];
} {
  const details = ((ck.config as { data?: Record<string, unknown> }).data ?? {}) as Record<string, unknown>;
  const notes: string[] = [];
  let real: RealRows | undefined;
  if (!opts.noRealData) {
    const r = flowRealRows(details, dims, opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  return {
    weights: weightsFromTensors(ck.tensors.filter((t) => !t.name.startsWith('opt/'))),
    training: trainingFacts(runDir, file, ck),
    data: { dimensions: dims, space: String(details.coordinates ?? details.dataset ?? 'unknown'), details },
    real,
    notes,
  };
}
