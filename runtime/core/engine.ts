/**
 * A loaded ONNX session, the same for onnxruntime-node and onnxruntime-web. Both packages implement
 * onnxruntime-common's API; core only needs the few members declared structurally below, so it imports neither
 * package and runs unchanged in Node and in the browser.
 */

export type FeedType = 'float32' | 'int32' | 'int64';
export type FeedData = Float32Array | Int32Array | BigInt64Array;

export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensorLike>): Promise<Record<string, OrtTensorLike>>;
  release(): Promise<void>;
}

export interface OrtLike {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSessionLike>;
  };
  Tensor: new (type: FeedType, data: FeedData, dims: readonly number[]) => OrtTensorLike;
}

export interface Feed {
  type: FeedType;
  data: FeedData;
  dims: number[];
}

export interface Output {
  data: Float32Array;
  dims: number[];
}

/** One session, created once and reused for every call; `provider` is the execution provider it was created with. */
export class Engine {
  private constructor(
    private readonly ort: OrtLike,
    private session: OrtSessionLike | undefined,
    readonly provider: string,
    /** Why this provider (e.g. 'auto: no CUDA provider installed', 'requested'), for the one-line report. */
    readonly note: string,
  ) {}

  static async create(ort: OrtLike, bytes: Uint8Array, provider: string, options: Record<string, unknown> = {}, note = ''): Promise<Engine> {
    const session = await ort.InferenceSession.create(bytes, {
      ...options,
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    });
    return new Engine(ort, session, provider, note);
  }

  get inputNames(): readonly string[] {
    return this.live().inputNames;
  }

  get outputNames(): readonly string[] {
    return this.live().outputNames;
  }

  /** Runs the graph; every requested output must be a float32 tensor. */
  async run(feeds: Record<string, Feed>, outputs: readonly string[]): Promise<Record<string, Output>> {
    const s = this.live();
    for (const name of Object.keys(feeds)) {
      if (!s.inputNames.includes(name)) throw new Error(`model has no input "${name}" (inputs: ${s.inputNames.join(', ')})`);
    }
    for (const name of outputs) {
      if (!s.outputNames.includes(name)) throw new Error(`model has no output "${name}" (outputs: ${s.outputNames.join(', ')})`);
    }
    const tensors: Record<string, OrtTensorLike> = {};
    for (const [name, f] of Object.entries(feeds)) tensors[name] = new this.ort.Tensor(f.type, f.data, f.dims);
    const result = await s.run(tensors);
    const out: Record<string, Output> = {};
    for (const name of outputs) {
      const t = result[name];
      if (!t || t.type !== 'float32' || !ArrayBuffer.isView(t.data)) {
        throw new Error(`model output "${name}" is ${t ? t.type : 'missing'}, expected float32`);
      }
      // Copied into a Float32Array of this realm: onnxruntime-node builds outputs with the process's constructors
      // (a different realm under jest), and onnxruntime-web may reuse its output buffers.
      const d = t.data as Float32Array;
      out[name] = { data: new Float32Array(d.buffer, d.byteOffset, d.length).slice(), dims: [...t.dims] };
    }
    return out;
  }

  async release(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await s.release();
  }

  private live(): OrtSessionLike {
    if (!this.session) throw new Error('this model was released; load it again');
    return this.session;
  }
}
