/**
 * The GAN family's run recipes, all trained by gan-common.ts's trainGanModel on Fashion-MNIST; a variant is config
 * (conditional or not, which loss), the checkpoint kind is the family's ('gan').
 *  - gan: the non-saturating GAN.
 *  - cgan: the conditional GAN: one-hot(y) concatenated to z in the generator, a projection discriminator
 *    h(x, y) = y^T (A phi(x) + b) (`--set head=miyato` for psi(phi) + embed(y)^T phi), the non-saturating loss, fake
 *    samples drawn with the real batch's labels. Grid: one class per column.
 *  - wgan-gp: WGAN with gradient penalty: L_D = mean D(G(z)) - mean D(x) + 10 * GP, L_G = -mean D(G(z)), one critic
 *    step per generator step (the schedule; the paper's 5 would be n_critic).
 */
import type { RunDefinition } from '../../training/harness/runs';
import { trainGanModel, type GanVariant } from './gan-common';

export const GAN_VARIANTS: readonly GanVariant[] = [
  { name: 'gan', conditional: false, loss: 'non-saturating', description: 'GAN (non-saturating loss) on Fashion-MNIST; 10x10 sample grids', ships: 'float16' },
  { name: 'cgan', conditional: true, loss: 'non-saturating', description: 'conditional GAN (projection discriminator) on Fashion-MNIST; grid columns = classes', ships: 'float16' },
  { name: 'wgan-gp', conditional: false, loss: 'wgan-gp', description: 'WGAN-GP (gradient penalty 10) on Fashion-MNIST; 10x10 sample grids', ships: 'float16' },
];

export const GAN_RUNS: RunDefinition[] = GAN_VARIANTS.map((v) => ({ name: v.name, description: v.description, train: (flags) => trainGanModel(v, flags), ...(v.ships ? { ships: v.ships } : {}) }));
