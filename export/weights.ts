/** Weights for export, read from a tfjs parameter map or from checkpoint tensors. */
import { Params } from '../training/nets/layers';
import { Weight, WeightMap } from './lower/types';

/** Flat arrays one after another (batched outputs, stacked gate weights). */
export function concatFloat32(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function weightsFromParams(params: Params): WeightMap {
  const out: WeightMap = new Map();
  for (const [name, v] of params) out.set(name, { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
  return out;
}

export function weightsFromTensors(tensors: { name: string; shape: number[]; data: Float32Array }[], prefix = ''): WeightMap {
  const out: WeightMap = new Map();
  for (const t of tensors) {
    if (!t.name.startsWith(prefix)) continue;
    const w: Weight = { shape: [...t.shape], data: t.data };
    out.set(t.name.slice(prefix.length), w);
  }
  return out;
}
