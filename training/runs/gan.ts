/** `dgm train gan`: the non-saturating GAN on Fashion-MNIST (see gan-common.ts for the shared setup). */
import { trainGanModel } from './gan-common';
import { registerRun } from './registry';

registerRun({ name: 'gan', description: 'GAN (non-saturating loss) on Fashion-MNIST; 10x10 sample grids', train: (flags) => trainGanModel('gan', flags) });
