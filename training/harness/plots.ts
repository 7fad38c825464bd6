/**
 * Training curves of a run (loss.svg, written next to metrics.jsonl at the end of a run): the runs view's own
 * Vega-Lite specs (runtime/app/run-charts.ts), rendered headless to SVG. One panel per kind of quantity (losses,
 * log-likelihoods, bits/dim, probabilities, learning rate, timing), each with its own y axis titled with its
 * metric names; every point is drawn (no clipped axis).
 */
import type { MetricsRecord } from './metrics-log';
import { writeFileAtomic } from './atomic-write';
import { runFigureSpec } from '../../runtime/app/run-charts';
import { vegaLiteToSvg } from './vega';

export interface LossPlotOptions {
  title?: string;
  /** Panel width in pixels (default 640). */
  width?: number;
  /** TensorBoard-style smoothing weight in [0, 1) of the dense curves (raw values drawn faintly beneath); default 0. */
  smoothing?: number;
}

export async function lossPlotSvg(records: readonly MetricsRecord[], opts: LossPlotOptions = {}): Promise<string> {
  const svg = await vegaLiteToSvg(runFigureSpec(records, opts));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
}

export async function writeLossPlot(file: string, records: readonly MetricsRecord[], opts: LossPlotOptions = {}): Promise<void> {
  writeFileAtomic(file, await lossPlotSvg(records, opts));
}
