/**
 * Every trainable model: importing a run file registers it (see registry.ts). Add one line per run below.
 */
export { getRun, listRuns, readSettings, registerRun, type RunDefinition, type TrainFlags } from './registry';

// runs:
import './gan';
import './cgan';
import './wgan-gp';
import './classifier';
import './maf-moons';
import './maf-fmnist';
