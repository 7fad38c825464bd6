/** The GAN family: generator + discriminator on Fashion-MNIST; variants gan, cgan, wgan-gp are config (gan-runs.ts). */
import { Random } from '../../runtime/core/random';
import { loadReference } from '../../export/run-facts';
import type { Family } from '../family';
import { GAN_KIND } from './gan-common';
import { ganBench } from './gan-bench';
import { ganJobFromCheckpoint, ganNetConfigOf, LEGACY_GAN_KINDS } from './gan-export';
import { discriminate, ganDefinition, generate, initGanParams } from './gan-nets';
import { GAN_RUNS, GAN_VARIANTS } from './gan-runs';

export const family: Family = {
  name: GAN_KIND,
  type: 'gan',
  description: 'generative adversarial network (conditional or not; non-saturating or WGAN-GP loss)',
  runs: GAN_RUNS,
  legacyKinds: LEGACY_GAN_KINDS,
  exportJob: ganJobFromCheckpoint,
  bench: ganBench(GAN_VARIANTS),
  contract: {
    // The conditional variant: it covers the label checks and the projection head on top of the shared networks.
    run: 'cgan',
    set: { gridEvery: '1000' },
    batch: 4,
    load(ck) {
      const def = ganDefinition(ganNetConfigOf(ck.config, 'contract checkpoint'));
      const { gen, disc } = initGanParams(def, new Random(0));
      const params = loadReference(new Map([...gen, ...disc]), ck, 'contract checkpoint');
      return {
        type: 'gan',
        latentSize: def.config.dimZ,
        numClasses: def.config.numClasses,
        imageShape: def.imageShape,
        generate: (z, labels) => generate(def, params, z, labels, { training: false }),
        discriminate: (x, labels) => discriminate(def, params, x, labels),
        dispose: () => params.forEach((v) => v.dispose()),
      };
    },
  },
};
