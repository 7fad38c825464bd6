/**
 * Classifier checkpoints (families/classifier/classifier-run.ts, kind 'classifier') -> ExportJob. The checkpoint's config holds
 * `net: ClassifierConfig`; the card gets the feature-extractor identity (eval/extractor.ts) computed from that config
 * and the exported weights.
 */
import * as path from 'path';
import { Random } from '../../runtime/core/random';
import { Checkpoint } from '../../training/harness/checkpoint';
import { CLASS_NAMES } from '../../training/data/fashion-mnist';
import { ClassifierConfig, classifierDefinition, initClassifierParams } from './classifier';
import { CLASSIFIER_KIND } from './classifier-run';
import { extractorIdentity } from '../../eval/extractor';
import { classifierJob } from './classifier-job';
import { ExportError } from '../../export/lower/types';
import { realTestImages } from '../../export/real-data';
import { weightsFromTensors } from '../../export/weights';
import type { RunExportOptions, RunJob } from '../../export/from-run';
import { loadReference, trainingFacts } from '../../export/run-facts';

export { CLASSIFIER_KIND };

export function classifierNetConfigOf(config: unknown, where: string): Partial<ClassifierConfig> {
  const net = (config as { net?: unknown } | null)?.net;
  if (!net || typeof net !== 'object') throw new ExportError(`${where}: checkpoint config holds no classifier network config (expected { net: { features, ... } }), got ${JSON.stringify(config)}`);
  return net as Partial<ClassifierConfig>;
}

export async function classifierJobFromCheckpoint(name: string, runDir: string, file: string, ck: Checkpoint, opts: RunExportOptions): Promise<RunJob> {
  const def = classifierDefinition(classifierNetConfigOf(ck.config, path.relative(process.cwd(), file)));
  const params = loadReference(initClassifierParams(def, new Random(0)), ck, file);
  const tensors = ck.tensors.filter((t) => !t.name.startsWith('opt/'));
  const identity = extractorIdentity(def.config, tensors);
  const notes: string[] = [];
  let real;
  if (!opts.noRealData) {
    const r = realTestImages(opts.parityN ?? 1000, opts.dataDir);
    if (typeof r === 'string') notes.push(r);
    else real = r;
  }
  const job = classifierJob({
    name,
    kind: ck.kind,
    def,
    params,
    weights: weightsFromTensors(tensors),
    training: trainingFacts(runDir, file, ck),
    classNames: CLASS_NAMES,
    featureExtractor: { ...identity, output: 'features', features: def.config.features },
    real,
    parityN: opts.parityN,
    reference: opts.reference,
  });
  return { job, checkpointFile: file, dispose: () => params.forEach((v) => v.dispose()), notes };
}
