/** A RealNVP exported by the project's pipeline from seeded random weights (output layers too, so no coupling is the identity). */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { Random } from '../../runtime/core/random';
import { Params } from '../../training/nets/layers';
import { exportModel } from '../../export/export-model';
import { weightsFromParams } from '../../export/weights';
import { initRealNvpParams, RealNvpConfig, RealNvpDefinition, realnvpDefinition } from '../../families/realnvp/definition';
import { realnvpJob } from '../../families/realnvp/job';

export function randomRealNvp(cfg: RealNvpConfig, seed: number, outScale = 0.5): { def: RealNvpDefinition; params: Params } {
  const def = realnvpDefinition(cfg);
  const rng = new Random(seed, 7);
  const params = initRealNvpParams(def, rng);
  for (const [name, v] of params) {
    if (!name.includes('.out.')) continue;
    const a = rng.fillNormal(new Float32Array(v.size));
    for (let i = 0; i < a.length; i++) a[i] *= outScale;
    v.assign(tf.tensor(a, v.shape));
  }
  return { def, params };
}

export async function exportRealNvp(root: string, name: string, cfg: RealNvpConfig, data: { space: string; details?: Record<string, unknown> }, seed = 2): Promise<{ dir: string; def: RealNvpDefinition; params: Params; dispose(): void }> {
  const { def, params } = randomRealNvp(cfg, seed);
  const dir = path.join(root, name);
  const job = realnvpJob({
    name, def, params, weights: weightsFromParams(params),
    training: { run: `runs/${name}`, checkpoint: 'fixture', step: 0, epoch: 0, config: { realnvp: cfg }, metrics: {} },
    data: { dimensions: cfg.inputSize, ...data },
    reference: 'tfjs cpu',
  });
  await exportModel({ ...job, parity: async () => [] }, dir, { checker: 'off', runtime: 'onnxruntime-node' });
  return { dir, def, params, dispose: () => [...params.values()].forEach((v) => v.dispose()) };
}
