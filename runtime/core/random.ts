/**
 * The project's one seeded random source (xoshiro128**, seeded through splitmix32).
 *
 * It lives in runtime/core because the samplers in Node and in the browser must draw the same latent noise for
 * the same seed; training imports it from here so that batches, initial weights and noise are reproducible too.
 * Only 32-bit integer ops, Math.log/cos/sqrt (identical across V8 instances) are used, so the stream is identical
 * in Node and in Chromium.
 */

// Bound once: a global `Math.*` lookup per draw is 25-60x slower inside jest's sandbox (measured), and this is the hot
// loop of every weight init and noise draw.
const { imul, floor, log, sqrt, cos, PI } = Math;

export type RandomState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Random {
  private s: Uint32Array;

  /** `seed` is any integer; `stream` gives independent sequences for the same seed (e.g. data order vs. noise). */
  constructor(seed: number, stream = 0) {
    if (!Number.isFinite(seed)) throw new Error(`Random: seed must be a finite number, got ${seed}`);
    const sm = splitmix32((floor(seed) ^ imul(stream + 1, 0x27d4eb2d)) >>> 0);
    this.s = new Uint32Array([sm(), sm(), sm(), sm()]);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
  }

  static fromState(state: RandomState): Random {
    const r = new Random(0);
    r.setState(state);
    return r;
  }

  getState(): RandomState {
    return [this.s[0], this.s[1], this.s[2], this.s[3]];
  }

  setState(state: RandomState): void {
    if (!Array.isArray(state) || state.length !== 4 || state.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new Error(`Random.setState: expected 4 unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    this.s.set(state);
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.s;
    const result = imul(rotl(imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`Random.int: n must be a positive integer, got ${n}`);
    return floor(this.uniform() * n);
  }

  /** Standard normal by Box-Muller (one draw of two uniforms per value keeps the stream position simple). */
  normal(): number {
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  fillUniform(out: Float32Array, lo = 0, hi = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
