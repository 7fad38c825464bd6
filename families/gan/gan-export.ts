/**
 * GAN checkpoints -> ExportJob. Contract (families/gan/gan-common.ts): the kind is the model ('gan', 'cgan',
 * 'wgan-gp') and the config a GanRunConfig whose `net` is the GanNetConfig `ganDefinition` rebuilds both networks
 * from.
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { CLASS_NAMES, findFashionMnist, readSplit, toSymmetric } from '../../training/data/fashion-mnist';
import { GanNetConfig, ganDefinition, initGanParams } from './gan-nets';
import type { GanModel } from './gan-common';
import { ganJob } from './gan-job';
import { ExportError } from '../../export/lower/types';
import { RealImages } from '../../export/validate';
import { weightsFromTensors } from '../../export/weights';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference, trainingFacts } from '../../export/run-facts';

const GAN_KINDS: readonly GanModel[] = ['gan', 'cgan', 'wgan-gp'];

export function ganKinds(): string[] {
  return [...GAN_KINDS];
}

/** The network config inside a GAN run's checkpoint config (`config.net`). */
export function ganNetConfigOf(config: unknown, where: string): Partial<GanNetConfig> {
  const net = (config as { net?: unknown } | null)?.net as Partial<GanNetConfig> | undefined;
  if (!net || typeof net !== 'object' || typeof net.dimZ !== 'number') {
    throw new ExportError(`${where}: checkpoint config holds no GAN network config (expected { net: { dimZ, numClasses, head, ... } }), got ${JSON.stringify(config)}`);
  }
  return net;
}

export function realTestImages(n: number, dataDir?: string): RealImages | string {
  let loc;
  try {
    loc = findFashionMnist({ dir: dataDir, download: 'never', quiet: true });
  } catch (e) {
    return `no real-data check: ${(e as Error).message}`;
  }
  if (!loc) return 'no real-data check: Fashion-MNIST not found (make data)';
  const test = readSplit(loc, 'test');
  const m = Math.min(n, test.n);
  return {
    pixels: toSymmetric(test.images.subarray(0, m * 784)),
    labels: Int32Array.from(test.labels.subarray(0, m)),
    n: m,
    what: `${m} Fashion-MNIST test images (pixels / 127.5 - 1)`,
  };
}

export async function ganJobFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  const def = ganDefinition(ganNetConfigOf(ck.config, path.relative(process.cwd(), file)));
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
    kind: ck.kind,
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
