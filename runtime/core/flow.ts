/**
 * A normalizing flow exported as two graphs (log_prob: x -> log_prob, z; sample: z -> x), the same on every
 * runtime. Sessions are opened on first use and then reused; rows go through in bounded batches.
 */
import { DEFAULT_MAX_BATCH, mapBatches } from './batching.js';
import { DataTransform, FlowSpec } from './card.js';
import { checkCount, checkRows, checkSeed } from './checks.js';
import { bitsPerDim, dequantize, fromModel, toModel } from './data-transform.js';
import { Engine } from './engine.js';
import { now } from './gan-sampler.js';
import { latentNoise } from './noise.js';
import { Random } from './random.js';

/** Opens the session for one of the model's files (by its name in the card), with the caller's provider choice. */
export type EngineOpener = (file: string) => Promise<Engine>;

export interface FlowSampleResult {
  /** [n, d] in the model's coordinates. */
  x: Float32Array;
  /** [n, d] in data coordinates (un-standardised points; pixels in [0, 1] for image flows). */
  data: Float32Array;
  n: number;
  /**
   * Rows whose sample left the data (see divergedRows): the sequential sampler ran off, because a MAF's later
   * conditionals extrapolate from the values already set. Empty for most models; 13% of rows for the 9-epoch
   * 784-D Fashion-MNIST flow here. With `redrawDiverged`, the rows still diverged after the redraws.
   */
  diverged: number[];
  /** Rows that got fresh latents because their first ones diverged (`redrawDiverged`). */
  redrawn: number[];
  ms: number;
}

/** Rounds of fresh latents `redrawDiverged` tries for a diverging row before it reports the row as diverged. */
export const MAX_REDRAW_ROUNDS = 20;

/**
 * A sampled row of an image flow counts as diverged once a coordinate lies this many times farther out than any
 * data can (the logit of a dequantised pixel is within +-log((1 - lambda) / lambda), +-13.8 for lambda 1e-6).
 * Measured on the maf-fmnist flows here (512 samples each): the rows that stay near the data reach |x| <= 50 and
 * map back to their latents; the runaway rows reach 100 to 1e9 when the log-scales are bounded (they overflow to
 * inf when not), and past ~1000 float32 no longer inverts them, so runtimes cannot agree on them.
 */
export const DIVERGED_RANGE_FACTOR = 5;

/** The |x| beyond which a sample row has diverged (Infinity: only NaN/infinity count; flows not on logit pixels). */
export function divergenceBound(t: DataTransform): number {
  return t.kind === 'logit' && t.lambda > 0 ? DIVERGED_RANGE_FACTOR * Math.log((1 - t.lambda) / t.lambda) : Infinity;
}

/** Rows of x [n, d] (row-major) holding NaN, an infinity, or a value beyond +-bound. */
export function divergedRows(x: ArrayLike<number>, n: number, d: number, bound = Infinity): number[] {
  const rows: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let j = r * d; j < (r + 1) * d; j++) {
      const v = x[j];
      if (!(Number.isFinite(v) && Math.abs(v) <= bound)) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

export interface LogProbResult {
  /** [n] log p(x) in nats, in the model's coordinates. */
  logProb: Float32Array;
  /** Rows whose log p is NaN or infinite (the density overflowed there); they are in logProb as computed. */
  nonFinite: number[];
  ms: number;
}

export interface DataLogProb {
  /** Per-example log-density of the data (nats): of the points, or of the dequantised pixels in [0, 1)^d. */
  logProb: Float64Array;
  /** Image flows: bits per dimension of the 8-bit data; else undefined. */
  bitsPerDim?: Float64Array;
  /** Rows whose log p is NaN or infinite. */
  nonFinite: number[];
  ms: number;
}


export class FlowCore {
  private readonly engines = new Map<string, Promise<Engine>>();

  constructor(
    readonly spec: FlowSpec,
    private readonly open: EngineOpener,
    readonly maxBatch = DEFAULT_MAX_BATCH,
  ) {}

  get dims(): number {
    return this.spec.dims;
  }

  private opened?: Engine;

  /** The execution provider of the sessions ('' before the first one is open). */
  get provider(): string {
    return this.opened?.provider ?? '';
  }

  get providerNote(): string {
    return this.opened?.note ?? '';
  }

  /** The session for one of the model's files, opened once and reused. */
  protected openFile(file: string): Promise<Engine> {
    let e = this.engines.get(file);
    if (!e) {
      e = this.open(file).then((engine) => (this.opened = engine));
      this.engines.set(file, e);
      e.catch(() => this.engines.delete(file)); // a failed open can be retried
    }
    return e;
  }

  /** Opens the sessions now rather than on first use (so the first call's time is the model's alone). */
  async warm(): Promise<void> {
    const files = [this.spec.logProb?.file, this.spec.sample?.file].filter((f): f is string => !!f);
    await Promise.all(files.map((f) => this.openFile(f)));
  }

  /** log p(x) in nats for rows x [n, d] in the model's coordinates (flat or nested), with the rows that overflowed. */
  async logProb(x: unknown): Promise<LogProbResult> {
    const io = this.spec.logProb;
    if (!io) throw new Error(`model ${this.spec.name}: its card lists no log_prob graph`);
    const d = this.spec.dims;
    const { data, n } = checkRows('x', x, d);
    const engine = await this.openFile(io.file);
    const t0 = now();
    const logProb = await mapBatches(n, this.maxBatch, 1, async ({ start, count }) => {
      const out = await engine.run({ [io.x]: { type: 'float32', data: data.subarray(start * d, (start + count) * d), dims: [count, d] } }, [io.logProb]);
      return out[io.logProb].data;
    });
    return { logProb, nonFinite: divergedRows(logProb, n, 1), ms: now() - t0 };
  }

  /**
   * log-density of data rows: points for a standardised flow, or 8-bit pixels (integers 0..255) for an image flow,
   * which are dequantised with noise from `seed` (default 0) and scored in bits/dim too.
   */
  async logProbData(rows: unknown, seed = 0): Promise<DataLogProb> {
    const d = this.spec.dims;
    const t = this.spec.transform;
    const t0 = now();
    let input: Float32Array;
    let n: number;
    if (t.kind === 'logit') {
      const checked = checkRows('pixels', rows, d);
      input = dequantize(checked.data, t.levels, checkSeed(seed));
      n = checked.n;
    } else {
      const checked = checkRows('x', rows, d);
      input = checked.data;
      n = checked.n;
    }
    const { x, logDet } = toModel(t, input, d);
    const lp = (await this.logProb(x)).logProb;
    const logProb = new Float64Array(n);
    for (let i = 0; i < n; i++) logProb[i] = lp[i] + logDet[i];
    let bits: Float64Array | undefined;
    if (t.kind === 'logit') bits = logProb.map((v) => bitsPerDim(v, d, t.levels));
    return { logProb, bitsPerDim: bits, nonFinite: divergedRows(logProb, n, 1), ms: now() - t0 };
  }

  /**
   * n samples from the latents of `seed` (runtime/core/noise.ts). `redrawDiverged`: a row whose sample diverges gets
   * fresh latents, from `new Random(seed, round)` for round 1, 2, .. (the same on every runtime), up to
   * MAX_REDRAW_ROUNDS; the result then comes from the flow conditioned on not diverging, and says which rows were
   * redrawn.
   */
  async sample(req: { n: number; seed: number; redrawDiverged?: boolean }): Promise<FlowSampleResult> {
    if (typeof req !== 'object' || req === null) throw new Error('sample() takes { n, seed, redrawDiverged? }');
    const io = this.spec.sample;
    if (!io) throw new Error(`model ${this.spec.name}: its card lists no sample graph`);
    const n = checkCount('n', req.n);
    const seed = checkSeed(req.seed);
    if (req.redrawDiverged !== undefined && typeof req.redrawDiverged !== 'boolean') throw new Error(`redrawDiverged must be true or false, got ${JSON.stringify(req.redrawDiverged)}`);
    const d = this.spec.dims;
    const engine = await this.openFile(io.file);
    const run = (z: Float32Array, m: number) =>
      mapBatches(m, this.maxBatch, d, async ({ start, count }) => {
        const out = await engine.run({ [io.z]: { type: 'float32', data: z.subarray(start * d, (start + count) * d), dims: [count, d] } }, [io.x]);
        return out[io.x].data;
      });
    const bound = divergenceBound(this.spec.transform);
    const t0 = now();
    const x = await run(latentNoise(seed, n, d), n);
    let diverged = divergedRows(x, n, d, bound);
    const redrawn = req.redrawDiverged ? [...diverged] : [];
    for (let round = 1; req.redrawDiverged && diverged.length > 0 && round <= MAX_REDRAW_ROUNDS; round++) {
      const z = new Random(seed, round).fillNormal(new Float32Array(diverged.length * d));
      const fresh = await run(z, diverged.length);
      const still = new Set(divergedRows(fresh, diverged.length, d, bound));
      diverged.forEach((row, k) => x.set(fresh.subarray(k * d, (k + 1) * d), row * d));
      diverged = diverged.filter((_, k) => still.has(k));
    }
    return { x, data: fromModel(this.spec.transform, x, d), n, diverged, redrawn, ms: now() - t0 };
  }

  async release(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    for (const e of all) await (await e).release();
  }
}
