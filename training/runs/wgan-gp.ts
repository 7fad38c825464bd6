/**
 * `dgm train wgan-gp`: WGAN with gradient penalty on Fashion-MNIST: L_D = mean D(G(z)) - mean D(x) + 10 * GP,
 * L_G = -mean D(G(z)), one critic step per generator step (the schedule; the paper's 5 would be n_critic).
 */
import { trainGanModel } from '../../families/gan/gan-common';
import { registerRun } from '../harness/runs';

registerRun({ name: 'wgan-gp', description: 'WGAN-GP (gradient penalty 10) on Fashion-MNIST; 10x10 sample grids', train: (flags) => trainGanModel('wgan-gp', flags) });
