/** What a composite export produces before it becomes a file: the graph and the description of its interface. */
import { Dim, GraphBuilder } from '../onnx/graph-builder';

export interface TensorDesc {
  name: string;
  dtype: 'float32' | 'int64';
  shape: Dim[];
  description: string;
}

export interface BuiltGraph {
  /** What the graph computes: 'generator', 'discriminator', 'log_prob', 'sample'. */
  role: string;
  graph: GraphBuilder;
  inputs: TensorDesc[];
  outputs: TensorDesc[];
}
