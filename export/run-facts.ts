/** What every run exporter reads from a run folder: training facts for the card and the tfjs reference weights. */
import * as fs from 'fs';
import * as path from 'path';
import { Checkpoint, loadParams } from '../training/harness/checkpoint';
import { METRICS_FILE } from '../training/harness/loop';
import { readMetrics } from '../training/harness/metrics-log';
import { Params } from '../training/nets/layers';
import { ModelCard } from './card';

/** The run's metrics as of the checkpoint: for each metric its latest value logged at or before the checkpoint's step. */
function metricsAt(runDir: string, step: number): Record<string, number> {
  const file = path.join(runDir, METRICS_FILE);
  if (!fs.existsSync(file)) return {};
  const out: Record<string, number> = {};
  for (const rec of readMetrics(file)) {
    if (rec.step > step || rec.type === 'diverged') continue;
    for (const [k, v] of Object.entries(rec)) if (!['type', 'step', 'epoch', 'time'].includes(k) && typeof v === 'number') out[k] = v;
  }
  return out;
}

export function trainingFacts(runDir: string, file: string, ck: Checkpoint): ModelCard['training'] {
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const { harness: _harness, ...meta } = ck.meta;
  void _harness;
  const summaryFile = path.join(runDir, 'summary.json');
  let summary: unknown;
  if (fs.existsSync(summaryFile)) {
    try {
      summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
    } catch {
      summary = undefined;
    }
  }
  return {
    run: rel(runDir),
    checkpoint: rel(file),
    step: ck.step,
    epoch: ck.epoch,
    config: ck.config,
    metrics: metricsAt(runDir, ck.step),
    meta: { ...meta, ...(summary !== undefined ? { summary } : {}) },
  };
}

/** tfjs parameters of a definition, loaded from the checkpoint (names and shapes checked by the harness). */
export function loadReference(params: Params, ck: Checkpoint, file: string): Params {
  try {
    loadParams(params, ck.tensors, file);
  } catch (e) {
    params.forEach((v) => v.dispose());
    throw e;
  }
  return params;
}
