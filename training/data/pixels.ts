/**
 * Pixel scalings of 8-bit images for the two model families.
 *
 * GANs: a tanh generator outputs [-1, 1], so real images are mapped there too.
 * Flows: a density on a continuous space must not be fit to 256 discrete values (the likelihood would blow up on
 * the spikes), so each pixel gets uniform noise inside its bin: (x + u) / 256 with u ~ U[0, 1). The discrete
 * log-likelihood is then bounded below by the continuous one (Theis et al. 2016), which is what bits/dim reports.
 */
import { Random } from '../../runtime/core/random';

/** [N*D] bytes -> [N*D] floats in [-1, 1] (0 -> -1, 255 -> 1). */
export function toSymmetric(images: Uint8Array): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = images[i] / 127.5 - 1;
  return out;
}

/** Inverse of toSymmetric, rounded and clamped to bytes (for writing generated images). */
export function fromSymmetric(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.round((x[i] + 1) * 127.5)));
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest float32 below a positive float32 `f`. */
function prevFloat32(f: number): number {
  f32[0] = f;
  u32[0] -= 1;
  return f32[0];
}

/**
 * [N*D] bytes -> [N*D] floats (x + u) / 256 in [0, 1), u ~ U[0, 1) drawn from `rng` in element order.
 * Every value stays inside its pixel's bin [x/256, (x+1)/256) after rounding to float32: for u within ~2^-24 of 1
 * the nearest float32 is the bin's upper edge (for x = 255, exactly 1), so such values step one float32 down.
 */
export function toUnitDequantized(images: Uint8Array, rng: Random): Float32Array {
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const x = images[i];
    let v = Math.fround((x + rng.uniform()) / 256);
    if (v * 256 >= x + 1) v = prevFloat32(v);
    out[i] = v;
  }
  return out;
}
