/** `dgm train gan`: the non-saturating GAN on Fashion-MNIST (see gan-common.ts for the shared setup). */
import { trainGanModel } from '../../families/gan/gan-common';
import { registerRun } from '../harness/runs';

registerRun({ name: 'gan', description: 'GAN (non-saturating loss) on Fashion-MNIST; 10x10 sample grids', train: (flags) => trainGanModel('gan', flags) });
