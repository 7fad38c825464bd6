/**
 * Training curves as Vega-Lite specs, shared by the page's runs view (rendered live by Vega in the browser) and by
 * the training loop's loss.svg (the same specs rendered to SVG by Vega in Node): one panel per kind of quantity,
 * each with its own y axis titled with the metric names it shows, so seconds never share an axis with losses.
 *
 * Pure functions over metrics.jsonl records: no DOM, no Node, no Vega import (the caller owns the renderer).
 */

/** One line of metrics.jsonl (training/harness/metrics-log.ts); non-finite values are logged as strings. */
export interface MetricsLine {
  type: string;
  step: number;
  epoch?: number;
  time?: string;
  [metric: string]: number | string | undefined;
}

export type PanelKind = 'loss' | 'loglik' | 'bpd' | 'fraction' | 'lr' | 'timing' | 'other';

export interface PanelInfo {
  kind: PanelKind;
  title: string;
}

/** Panels in display order. */
export const PANELS: readonly PanelInfo[] = [
  { kind: 'loss', title: 'Losses' },
  { kind: 'loglik', title: 'Log-likelihoods (nats)' },
  { kind: 'bpd', title: 'Bits per dimension' },
  { kind: 'fraction', title: 'Probabilities, accuracy' },
  { kind: 'lr', title: 'Learning rate' },
  { kind: 'timing', title: 'Timing (seconds)' },
  { kind: 'other', title: 'Other metrics' },
];

const RESERVED = new Set(['type', 'step', 'epoch', 'time']);

/**
 * The panel a metric belongs on, from its name: the harness logs flat names such as d_loss, nll, val_ll, val_bpd,
 * d_real, val_acc, lr, epoch_seconds. Split on '_' so 'val_ll_logit' is a log-likelihood and 'gp' a loss term.
 */
export function metricKind(name: string): PanelKind {
  const parts = name.toLowerCase().split(/[_\-./]/);
  const has = (...words: string[]) => words.some((w) => parts.includes(w));
  if (has('seconds', 'secs', 'sec', 'ms', 'time', 'duration')) return 'timing';
  if (has('lr') || /learning.?rate/i.test(name)) return 'lr';
  if (has('bpd', 'bits')) return 'bpd';
  if (has('ll', 'loglik', 'logp', 'loglikelihood', 'likelihood')) return 'loglik';
  if (has('acc', 'accuracy', 'real', 'fake', 'prob', 'p')) return 'fraction';
  if (has('loss', 'nll', 'gp', 'dist', 'penalty', 'kl', 'elbo')) return 'loss';
  return 'other';
}

/** A point of a curve, as the charts' data rows. */
export interface ChartRow {
  run: string;
  metric: string;
  /** Legend entry: the metric, prefixed with its run when several runs share the chart. */
  series: string;
  kind: PanelKind;
  step: number;
  value: number;
  /** The value after smoothing (equal to value for sparse series and when smoothing is off). */
  smooth: number;
  /** Logged per epoch or by an evaluation hook (a few points: drawn with markers, never smoothed). */
  sparse: boolean;
}

/**
 * Rows of every numeric metric: 'train' records (interval means) as dense series; 'epoch' and 'eval' records as
 * sparse series, except epoch means of metrics that 'train' records already carry (duplicates of the same curve).
 */
export function chartRows(records: readonly MetricsLine[], run: string, opts: { prefixRun?: boolean } = {}): ChartRow[] {
  const trainNames = new Set<string>();
  for (const r of records) {
    if (r.type !== 'train') continue;
    for (const [k, v] of Object.entries(r)) if (!RESERVED.has(k) && typeof v === 'number') trainNames.add(k);
  }
  const rows: ChartRow[] = [];
  for (const r of records) {
    const dense = r.type === 'train';
    if (!dense && r.type !== 'epoch' && r.type !== 'eval') continue;
    if (typeof r.step !== 'number') continue;
    for (const [k, v] of Object.entries(r)) {
      if (RESERVED.has(k) || typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (!dense && trainNames.has(k)) continue;
      rows.push({ run, metric: k, series: opts.prefixRun ? `${run} ${k}` : k, kind: metricKind(k), step: r.step, value: v, smooth: v, sparse: !dense });
    }
  }
  return rows;
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight w in [0, 1), debiased so the first points are
 * not pulled towards zero; per series, over dense rows only, in step order. Returns new rows.
 */
export function smoothRows(rows: readonly ChartRow[], weight: number): ChartRow[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1), got ${weight}`);
  const state = new Map<string, { acc: number; n: number }>();
  const order = rows.map((r, i) => i).sort((a, b) => rows[a].step - rows[b].step || a - b);
  const out = rows.map((r) => ({ ...r }));
  for (const i of order) {
    const r = out[i];
    if (r.sparse || weight === 0) continue;
    const key = `${r.run}\u0000${r.metric}`;
    const s = state.get(key) ?? { acc: 0, n: 0 };
    s.acc = s.acc * weight + (1 - weight) * r.value;
    s.n += 1;
    r.smooth = s.acc / (1 - weight ** s.n);
    state.set(key, s);
  }
  return out;
}

/** The panels the rows need, in display order, with the metric names each shows. */
export function panelsOf(rows: readonly ChartRow[]): { info: PanelInfo; metrics: string[] }[] {
  const byKind = new Map<PanelKind, Set<string>>();
  for (const r of rows) {
    if (!byKind.has(r.kind)) byKind.set(r.kind, new Set());
    byKind.get(r.kind)!.add(r.metric);
  }
  return PANELS.filter((p) => byKind.has(p.kind)).map((info) => ({ info, metrics: [...byKind.get(info.kind)!].sort() }));
}

export interface PanelOptions {
  /** Log y axis: 'log' when every value is positive, else symlog (losses and log-likelihoods can be negative). */
  logScale?: boolean;
  width?: number;
  height?: number;
  /** Draw the raw values faintly under the smoothed curve (when smoothing is on). */
  showRaw?: boolean;
  /** Inline rows (a file) instead of the named data source 'rows' the page streams into. */
  values?: ChartRow[];
}

export type VegaLiteSpec = Record<string, unknown>;

export const DATA_NAME = 'rows';

/** A panel as a Vega-Lite unit: the rows of one kind, smoothed lines per series, markers on sparse series. */
export function panelSpec(kind: PanelKind, metrics: readonly string[], rowsForScale: readonly ChartRow[], opts: PanelOptions = {}): VegaLiteSpec {
  const info = PANELS.find((p) => p.kind === kind)!;
  const positive = rowsForScale.filter((r) => r.kind === kind).every((r) => r.value > 0 && r.smooth > 0);
  const scale = opts.logScale ? (positive ? { type: 'log' } : { type: 'symlog' }) : { zero: false };
  const yTitle = metrics.join(', ') + (opts.logScale ? (positive ? ' (log)' : ' (symlog)') : '');
  const x = { field: 'step', type: 'quantitative', title: 'step', axis: { labelFlush: true } };
  const color = { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'horizontal', columns: 4, labelLimit: 260, symbolType: 'stroke' } };
  const layers: VegaLiteSpec[] = [];
  if (opts.showRaw) {
    layers.push({
      transform: [{ filter: 'datum.sparse === false' }],
      mark: { type: 'line', strokeWidth: 1, opacity: 0.25, clip: true },
      encoding: { x, y: { field: 'value', type: 'quantitative', scale }, color, detail: { field: 'series' } },
    });
  }
  layers.push({
    transform: [{ filter: 'datum.sparse === false' }],
    mark: { type: 'line', strokeWidth: 2, clip: true },
    encoding: { x, y: { field: 'smooth', type: 'quantitative', scale, title: yTitle }, color },
  });
  layers.push({
    transform: [{ filter: 'datum.sparse === true' }],
    mark: { type: 'line', strokeWidth: 1.5, point: { size: 40, filled: true }, strokeDash: [4, 3], clip: true },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', scale, title: yTitle },
      color,
      tooltip: [{ field: 'series', title: 'metric' }, { field: 'step' }, { field: 'value', format: '.5~g' }],
    },
  });
  return {
    title: { text: info.title, anchor: 'start', fontSize: 13, offset: 6 },
    width: opts.width ?? 560,
    height: opts.height ?? 200,
    // The page streams this panel's rows into the named source; a file carries them inline.
    data: opts.values ? { values: opts.values.filter((r) => r.kind === kind) } : { name: DATA_NAME },
    layer: layers,
  };
}

export const CHART_CONFIG = {
  font: 'system-ui, sans-serif',
  view: { stroke: '#e5e7eb' },
  axis: { labelColor: '#4b5563', titleColor: '#1d2230', gridColor: '#eef0f4', titleFontWeight: 'normal', titleFontSize: 12 },
  // Panels stacked in a column line up when their y axes take the same room, whatever their label widths.
  axisY: { format: '.4~g', minExtent: 48 },
  legend: { labelFontSize: 12, symbolStrokeWidth: 3, symbolOpacity: 1 },
  range: { category: ['#3451b2', '#e8590c', '#2f9e44', '#c2255c', '#7048e8', '#0c8599', '#a61e4d', '#5c940d', '#e67700', '#495057'] },
};

/**
 * The whole run as one figure (loss.svg): a column of panels, each with its own y axis and legend. Raw values are
 * drawn, not clipped: every point is on the chart.
 */
export function runFigureSpec(records: readonly MetricsLine[], opts: { title?: string; width?: number; smoothing?: number } = {}): VegaLiteSpec {
  const raw = chartRows(records, opts.title ?? 'run');
  const rows = opts.smoothing ? smoothRows(raw, opts.smoothing) : raw;
  const panels = panelsOf(rows);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(opts.title ? { title: { text: opts.title, anchor: 'start', fontSize: 15 } } : {}),
    background: 'white',
    padding: 12,
    config: CHART_CONFIG,
    vconcat: panels.length
      ? panels.map((p) => panelSpec(p.info.kind, p.metrics, rows, { values: rows, width: opts.width ?? 640, height: 190, showRaw: !!opts.smoothing }))
      : [{ width: opts.width ?? 640, height: 60, mark: { type: 'text', text: 'no metrics logged yet' }, data: { values: [{}] } }],
    // One step axis for every panel, so a point in one lines up with the same step in the others.
    resolve: { scale: { color: 'independent', y: 'independent', x: 'shared' }, legend: { color: 'independent' } },
  };
}
