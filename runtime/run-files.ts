/**
 * What a run folder under runs/ holds, as far as `dgm serve`'s runs view reads it. The training harness
 * (training/harness/loop.ts, run-lock.ts) writes these files; the server only reads them, and must not import the
 * harness (it pulls in tfjs), so the names and the shape of run.json live here and the harness imports them.
 */

export const RUN_FILES = {
  metrics: 'metrics.jsonl',
  checkpoint: 'checkpoint.ckpt',
  best: 'best.ckpt',
  lock: '.lock',
  /** What the loop says about the run while and after it trains (RunStatusFile). */
  status: 'run.json',
  /** Written by the GAN runs at their end. */
  summary: 'summary.json',
  lossPlot: 'loss.svg',
} as const;

/** Sample figures a run writes: samples-step000050.png, samples-epoch003.png, samples-final.png, samples-best.png. */
export const SAMPLE_FIGURE = /^samples-(step(\d+)|epoch(\d+)|final|best)\.(png|svg)$/;

export type RunOutcome = 'training' | 'completed' | 'stopped-early' | 'interrupted' | 'diverged';

/** run.json: written atomically by the training loop when a session starts and when it ends. */
export interface RunStatusFile {
  version: 1;
  /** The model trained: the checkpoint's meta.run, else its kind (gan, cgan, maf-moons, ...). */
  kind: string;
  label: string;
  /** Steps the run is asked to reach. */
  totalSteps: number;
  stepsPerEpoch: number;
  logEvery: number;
  /** Step this session started from (0, or the checkpoint's step on resume). */
  startStep: number;
  startedAt: string;
  pid: number;
  outcome: RunOutcome;
  /** Steps completed when the session ended (absent while it trains). */
  step?: number;
  endedAt?: string;
  resumeCommand?: string;
}

/** What `GET /api/runs` says of a run (runs-api.ts), and what the page (app/runs-view.ts) reads. */
export type RunState = 'training' | 'finished' | 'interrupted' | 'diverged' | 'failed' | 'stopped' | 'empty';

export interface RunInfo {
  name: string;
  /** The model trained (run.json's or the checkpoint's kind), null when nothing says. */
  model: string | null;
  state: RunState;
  /** A line about the state: how to resume, why it stopped. */
  note: string;
  step: number | null;
  totalSteps: number | null;
  epoch: number | null;
  /** Training speed over the latest metrics records of the current (or last) session. */
  stepsPerSecond: number | null;
  /** Seconds left at that speed, while training. */
  etaSeconds: number | null;
  /** Time of the last metrics record. */
  updated: string | null;
  figures: number;
}
