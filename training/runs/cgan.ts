/**
 * `dgm train cgan`: the conditional GAN on Fashion-MNIST: one-hot(y) concatenated to z in the generator, a
 * projection discriminator h(x, y) = y^T (A phi(x) + b) (`--set head=miyato` for psi(phi) + embed(y)^T phi), the
 * non-saturating loss, fake samples drawn with the real batch's labels. Grid: one class per column.
 */
import { trainGanModel } from '../../families/gan/gan-common';
import { registerRun } from '../harness/runs';

registerRun({ name: 'cgan', description: 'conditional GAN (projection discriminator) on Fashion-MNIST; grid columns = classes', train: (flags) => trainGanModel('cgan', flags) });
