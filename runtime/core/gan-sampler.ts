/**
 * Sampling images from an exported GAN generator, the same on every runtime: the latent noise comes from the
 * project's seeded generator (noise.ts), labels are checked here, and the work is split into bounded batches.
 */
import { DEFAULT_MAX_BATCH, mapBatches } from './batching.js';
import { GanSpec } from './card.js';
import { checkCount, checkLabels, checkSeed } from './checks.js';
import { Engine } from './engine.js';
import { ImageBatch } from './grid.js';
import { latentNoise } from './noise.js';

export interface SampleRequest {
  n: number;
  seed: number;
  /** Conditional models: one class for all samples, or one per sample. Default: sample i gets class i mod K. */
  labels?: number | ArrayLike<number>;
}

export interface SampleResult {
  images: ImageBatch;
  /** The class of each sample (conditional models), else undefined. */
  labels?: Int32Array;
  /** Wall time of the model calls, ms. */
  ms: number;
}

export class GanSamplerCore {
  constructor(
    protected readonly engine: Engine,
    readonly spec: GanSpec,
    readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  get provider(): string {
    return this.engine.provider;
  }

  get providerNote(): string {
    return this.engine.note;
  }

  get conditional(): boolean {
    return this.spec.numClasses > 0;
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    if (typeof req !== 'object' || req === null) throw new Error('sample() takes { n, seed, labels? }');
    const n = checkCount('n', req.n);
    const seed = checkSeed(req.seed);
    const { latentDim, numClasses, image, io } = this.spec;
    let labels: Int32Array | undefined;
    if (numClasses > 0) {
      labels = req.labels === undefined ? Int32Array.from({ length: n }, (_, i) => i % numClasses) : checkLabels(req.labels, n, numClasses);
    } else if (req.labels !== undefined) {
      throw new Error(`labels: model ${this.spec.name} is unconditional and takes no labels`);
    }
    const z = latentNoise(seed, n, latentDim);
    const pixels = image.channels * image.height * image.width;
    const t0 = now();
    const data = await mapBatches(n, this.maxBatch, pixels, async ({ start, count }) => {
      const feeds: Parameters<Engine['run']>[0] = {
        [io.z]: { type: 'float32', data: z.subarray(start * latentDim, (start + count) * latentDim), dims: [count, latentDim] },
      };
      if (labels && io.label) {
        feeds[io.label] = { type: 'int64', data: BigInt64Array.from(labels.subarray(start, start + count), (v) => BigInt(v)), dims: [count] };
      }
      const out = await this.engine.run(feeds, [io.image]);
      return out[io.image].data;
    });
    const ms = now() - t0;
    return { images: { data: toNhwc(data, n, image.channels, image.height, image.width), n, height: image.height, width: image.width, channels: image.channels, range: image.range }, labels, ms };
  }

  release(): Promise<void> {
    return this.engine.release();
  }
}

/** The generator emits NCHW; grids and PNGs want NHWC (the same bytes when there is one channel). */
function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  if (c === 1) return x;
  const y = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let ci = 0; ci < c; ci++) for (let p = 0; p < h * w; p++) y[(i * h * w + p) * c + ci] = x[(i * c + ci) * h * w + p];
  return y;
}

export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
