/**
 * GAN checkpoints -> ExportJob. Contract (families/gan/gan-common.ts): the kind is 'gan' (checkpoints written before
 * the family kind carry the variant's name, 'gan', 'cgan' or 'wgan-gp': the registry maps them here) and the config
 * a GanRunConfig whose `net` is the GanNetConfig `ganDefinition` rebuilds both networks from and whose `loss` says
 * which loss trained it.
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { CLASS_NAMES } from '../../training/data/fashion-mnist';
import { GanNetConfig, ganDefinition, initGanParams } from './gan-nets';
import { GAN_KIND, type GanLoss } from './gan-common';
import { ganJob } from './gan-job';
import { ExportError } from '../../export/lower/types';
import { RealImages } from '../../export/validate';
import { weightsFromTensors } from '../../export/weights';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference, trainingFacts } from '../../export/run-facts';
import { realTestImages } from '../../export/real-data';

/** The kinds of GAN checkpoints written before the family kind 'gan': each was its variant's name. */
export const LEGACY_GAN_KINDS: readonly string[] = ['cgan', 'wgan-gp'];

/** Which loss trained a checkpoint: its config's `loss` (every GAN run wrote one). */
export function ganLossOf(config: unknown, where: string): GanLoss {
  const loss = (config as { loss?: unknown } | null)?.loss;
  if (loss !== 'non-saturating' && loss !== 'wgan-gp') throw new ExportError(`${where}: checkpoint config "loss" must be "non-saturating" or "wgan-gp", got ${JSON.stringify(loss)}`);
  return loss;
}

/** The variant a checkpoint was trained as: the run recipe in its meta (meta.run), else an old checkpoint's kind. */
export function ganVariantOf(ck: Checkpoint): string {
  return typeof ck.meta?.run === 'string' ? ck.meta.run : ck.kind;
}

/** The network config inside a GAN run's checkpoint config (`config.net`). */
export function ganNetConfigOf(config: unknown, where: string): Partial<GanNetConfig> {
  const net = (config as { net?: unknown } | null)?.net as Partial<GanNetConfig> | undefined;
  if (!net || typeof net !== 'object' || typeof net.dimZ !== 'number') {
    throw new ExportError(`${where}: checkpoint config holds no GAN network config (expected { net: { dimZ, numClasses, head, ... } }), got ${JSON.stringify(config)}`);
  }
  return net;
}


export async function ganJobFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  const where = path.relative(process.cwd(), file);
  const def = ganDefinition(ganNetConfigOf(ck.config, where));
  const loss = ganLossOf(ck.config, where);
  const { gen, disc } = initGanParams(def, new Random(0));
  const params = loadReference(new Map([...gen, ...disc]), ck, file);
  const notes: string[] = [];
  let real: RealImages | undefined;
  if (!opts.noRealData) {
    const r = realTestImages(opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  const job = ganJob({
    name,
    kind: GAN_KIND,
    variant: ganVariantOf(ck),
    loss,
    def,
    params,
    weights: weightsFromTensors(ck.tensors.filter((t) => !t.name.startsWith('opt/'))),
    training: trainingFacts(runDir, file, ck),
    classNames: CLASS_NAMES,
    real,
    parityN: opts.parityN,
    reference: opts.reference,
  });
  return { job, checkpointFile: file, dispose: () => params.forEach((v) => v.dispose()), notes };
}
