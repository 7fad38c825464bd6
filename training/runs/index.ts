/**
 * Every trainable model: importing a run file registers it (see registry.ts). Add one line per run below.
 */
export { getRun, listRuns, readSettings, registerRun, type RunDefinition, type TrainFlags } from '../harness/runs';

// runs:
import './gan';
import './cgan';
import './wgan-gp';
import '../../families/classifier/classifier-run';
import '../../families/maf/maf-moons';
import '../../families/maf/maf-fmnist';
