/**
 * The page's runs view (#runs): every run under runs/ with its model, step, speed, ETA and state; for the selected
 * runs, curves that grow while they train (one server-sent event stream, runtime/runs-api.ts), one Vega-Lite panel
 * per kind of quantity (run-charts.ts: the same specs loss.svg is drawn from) with its own axis, smoothing and log
 * toggle; and each run's sample grids, newest first, with a step slider.
 *
 * Vega and Vega-Lite are loaded (their UMD builds, from /vendor/) the first time the view opens, so the models tab
 * does not pay for them. Elements carry data-* state the browser test waits on.
 */
import type { RunInfo } from '../run-files.js';
import { chartRows, CHART_CONFIG, DATA_NAME, type ChartRow, type MetricsLine, type PanelKind, PANELS, panelSpec, smoothRows } from './run-charts.js';


interface RunFigure {
  file: string;
  url: string;
  label: string;
  step: number | null;
  mtimeMs: number;
}

interface VegaView {
  data(name: string, values: unknown[]): VegaView;
  runAsync(): Promise<VegaView>;
  finalize(): void;
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'svg' | 'canvas'; container: HTMLElement; hover?: boolean }) => VegaView;
}
interface VegaLite {
  compile(spec: unknown): { spec: unknown };
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

let libs: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;
function chartLibraries(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  libs ??= (async () => {
    await loadScript('/vendor/vega/vega.min.js');
    await loadScript('/vendor/vega-lite/vega-lite.min.js'); // its UMD build reads the global vega
    const g = globalThis as unknown as { vega: Vega; vegaLite: VegaLite };
    return { vega: g.vega, vegaLite: g.vegaLite };
  })();
  return libs;
}

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

function ago(iso: string | null): string {
  if (!iso) return '–';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  return s < 60 ? 'just now' : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : new Date(iso).toLocaleDateString();
}

/** One chart panel: its Vega view, rebuilt when its metrics, scale or width change, else fed new rows. */
class Panel {
  readonly root: HTMLElement;
  private readonly chart: HTMLElement;
  private readonly log: HTMLInputElement;
  private readonly smoothing: HTMLInputElement;
  private readonly smoothLabel: HTMLElement;
  private view?: VegaView;
  private key = '';
  private rows: ChartRow[] = [];
  private metrics: string[] = [];
  private busy: Promise<void> = Promise.resolve();

  constructor(readonly kind: PanelKind, private readonly onChange: () => void) {
    const info = PANELS.find((p) => p.kind === kind)!;
    this.log = el('input', { type: 'checkbox', className: 'log-toggle' });
    this.smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: kind === 'loss' || kind === 'fraction' ? '0.6' : '0', className: 'smoothing' });
    this.smoothLabel = el('span', { className: 'muted' });
    this.chart = el('div', { className: 'chart' });
    this.root = el(
      'section',
      { className: 'panel card' },
      el('div', { className: 'panel-head' }, el('h3', {}, info.title), el('div', { className: 'panel-controls' }, el('label', { className: 'inline' }, 'smoothing ', this.smoothing, this.smoothLabel), el('label', { className: 'inline' }, this.log, ' log'))),
      this.chart,
    );
    this.root.dataset.kind = kind;
    this.log.addEventListener('change', () => this.onChange());
    this.smoothing.addEventListener('input', () => this.onChange());
  }

  update(vega: Vega, vegaLite: VegaLite, rows: ChartRow[], metrics: string[]): Promise<void> {
    this.busy = this.busy.then(() => this.draw(vega, vegaLite, rows, metrics)).catch((err: unknown) => {
      this.chart.textContent = `chart error: ${err instanceof Error ? err.message : String(err)}`;
      this.root.dataset.state = 'error';
    });
    return this.busy;
  }

  private async draw(vega: Vega, vegaLite: VegaLite, raw: ChartRow[], metrics: string[]): Promise<void> {
    const weight = Number(this.smoothing.value);
    this.smoothLabel.textContent = ` ${weight.toFixed(2)}`;
    this.rows = smoothRows(raw, weight);
    this.metrics = metrics;
    const logScale = this.log.checked;
    const positive = this.rows.every((r) => r.value > 0 && r.smooth > 0);
    // The spec's width is the plot area's: leave room for the y axis and its title.
    const width = Math.max(240, Math.floor(this.chart.clientWidth || this.root.clientWidth - 40) - 70);
    const key = JSON.stringify([metrics, logScale, positive, width, weight > 0]);
    if (key !== this.key || !this.view) {
      this.view?.finalize();
      this.chart.replaceChildren();
      const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CHART_CONFIG, ...panelSpec(this.kind, this.metrics, this.rows, { logScale, width, height: 190, showRaw: weight > 0 }), title: undefined };
      this.view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: this.chart, hover: true });
      this.key = key;
    }
    await this.view.data(DATA_NAME, this.rows).runAsync();
    this.root.dataset.points = String(this.rows.length);
    this.root.dataset.metrics = metrics.join(',');
    this.root.dataset.state = 'done';
  }

  dispose(): void {
    this.view?.finalize();
    this.root.remove();
  }
}

/** A run's sample figures: the chosen one large, a slider over all of them (newest at the right end). */
class Figures {
  readonly root: HTMLElement;
  private readonly img: HTMLImageElement;
  private readonly slider: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly strip: HTMLElement;
  private figures: RunFigure[] = [];
  /** Follow the newest figure until the user picks another. */
  private pinned: string | null = null;

  constructor(readonly run: string) {
    this.img = el('img', { className: 'grid-image', alt: `samples of ${run}` });
    this.slider = el('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', className: 'step-slider' });
    this.label = el('span', { className: 'figure-label' });
    this.strip = el('div', { className: 'thumbs' });
    this.root = el(
      'section',
      { className: 'card figures' },
      el('h3', {}, `Samples: ${run}`),
      el('div', { className: 'controls' }, el('label', { className: 'inline grow' }, 'step ', this.slider), this.label),
      this.img,
      this.strip,
    );
    this.root.dataset.run = run;
    this.root.dataset.count = '0';
    this.slider.addEventListener('input', () => {
      // The slider runs oldest (left) to newest (right); the list is newest first.
      const i = this.figures.length - 1 - Number(this.slider.value);
      this.pinned = i === 0 ? null : this.figures[i]?.file ?? null;
      this.show();
    });
  }

  set(figures: RunFigure[]): void {
    // Steps where the names carry them; otherwise the server's newest-first order stands.
    this.figures = figures;
    this.root.dataset.count = String(figures.length);
    this.slider.max = String(Math.max(0, figures.length - 1));
    this.slider.disabled = figures.length < 2;
    this.strip.replaceChildren(
      ...figures.slice(0, 12).map((f) => {
        const t = el('img', { src: f.url, title: f.label, alt: f.label });
        t.addEventListener('click', () => {
          this.pinned = f === figures[0] ? null : f.file;
          this.show();
        });
        return el('figure', {}, t, el('figcaption', {}, f.label));
      }),
    );
    this.show();
  }

  private show(): void {
    if (!this.figures.length) {
      this.label.textContent = 'no sample grids yet';
      this.img.removeAttribute('src');
      return;
    }
    let i = this.pinned ? this.figures.findIndex((f) => f.file === this.pinned) : 0;
    if (i < 0) i = 0;
    const f = this.figures[i];
    this.slider.value = String(this.figures.length - 1 - i);
    // mtime in the URL: samples.png-style files rewritten in place still reload.
    this.img.src = `${f.url}?v=${Math.round(f.mtimeMs)}`;
    this.img.dataset.file = f.file;
    this.label.textContent = `${f.label}${i === 0 ? ' (newest)' : ''} · ${this.figures.length} grid${this.figures.length === 1 ? '' : 's'}`;
    Array.from(this.strip.children).forEach((c, k) => c.classList.toggle('chosen', k === i));
  }
}

class RunsView {
  private readonly table = document.getElementById('runs-table') as HTMLTableElement;
  private readonly panelsEl = document.getElementById('runs-panels')!;
  private readonly figuresEl = document.getElementById('runs-figures')!;
  private readonly statusEl = document.getElementById('runs-status')!;
  private runs: RunInfo[] = [];
  private selected: string[] = [];
  private readonly records = new Map<string, MetricsLine[]>();
  private readonly panels = new Map<PanelKind, Panel>();
  private readonly figures = new Map<string, Figures>();
  private source?: EventSource;
  private redrawTimer?: number;
  private started = false;

  start(initial: string[]): void {
    if (this.started) {
      // A link to other runs (#runs/a,b) while the view is open selects them.
      if (initial.length && initial.join(',') !== this.selected.join(',')) this.select(initial);
      return;
    }
    this.started = true;
    this.selected = initial;
    void chartLibraries().catch((err: unknown) => this.problem(err));
    this.connect();
    let resize: number | undefined;
    window.addEventListener('resize', () => {
      clearTimeout(resize);
      resize = window.setTimeout(() => this.redraw(), 200);
    });
  }

  private problem(err: unknown): void {
    this.statusEl.textContent = err instanceof Error ? err.message : String(err);
    this.statusEl.classList.add('error');
  }

  private connect(): void {
    this.source?.close();
    const q = new URLSearchParams(this.selected.map((r) => ['run', r]));
    const src = new EventSource(`/api/runs/events?${q}`);
    this.source = src;
    src.addEventListener('runs', (e) => this.onRuns(JSON.parse((e as MessageEvent).data) as RunInfo[]));
    src.addEventListener('metrics', (e) => {
      const m = JSON.parse((e as MessageEvent).data) as { run: string; reset: boolean; records: MetricsLine[] };
      const list = m.reset ? [] : this.records.get(m.run) ?? [];
      list.push(...m.records);
      this.records.set(m.run, list);
      this.scheduleRedraw();
    });
    src.addEventListener('figures', (e) => {
      const m = JSON.parse((e as MessageEvent).data) as { run: string; figures: RunFigure[] };
      this.figures.get(m.run)?.set(m.figures);
    });
    src.addEventListener('problem', (e) => this.problem(new Error((JSON.parse((e as MessageEvent).data) as { message: string }).message)));
    src.onerror = () => {
      this.statusEl.textContent = src.readyState === EventSource.CLOSED ? 'the server closed the stream' : 'reconnecting to the server…';
    };
    src.onopen = () => {
      this.statusEl.textContent = '';
      this.statusEl.classList.remove('error');
    };
  }

  private select(runs: string[]): void {
    this.selected = runs;
    history.replaceState(null, '', `#runs${runs.length ? '/' + runs.map(encodeURIComponent).join(',') : ''}`);
    for (const r of [...this.records.keys()]) if (!runs.includes(r)) this.records.delete(r);
    this.syncFigures();
    this.renderTable();
    this.connect();
    this.scheduleRedraw();
  }

  private onRuns(runs: RunInfo[]): void {
    this.runs = runs;
    if (this.selected.length === 0 && runs.length) {
      // Nothing asked for: the run training now, else the one updated last.
      const pick = [...runs].sort((a, b) => Number(b.state === 'training') - Number(a.state === 'training') || (b.updated ?? '').localeCompare(a.updated ?? ''))[0];
      this.select([pick.name]);
      return;
    }
    this.renderTable();
    this.syncFigures();
  }

  private renderTable(): void {
    const body = this.table.tBodies[0];
    if (!this.runs.length) {
      body.replaceChildren(el('tr', {}, el('td', { colSpan: 8, className: 'muted' }, 'no runs under the runs folder yet: start one with dgm train <model>')));
      return;
    }
    body.replaceChildren(
      ...this.runs.map((r) => {
        const box = el('input', { type: 'checkbox', checked: this.selected.includes(r.name) });
        box.addEventListener('change', () => this.select(box.checked ? [...this.selected, r.name] : this.selected.filter((s) => s !== r.name)));
        const badge = el('span', { className: `badge state-${r.state}`, title: r.note }, r.state);
        const step = r.step === null ? '–' : r.totalSteps ? `${r.step} / ${r.totalSteps}` : String(r.step);
        const pct = r.step !== null && r.totalSteps ? Math.min(100, (100 * r.step) / r.totalSteps) : 0;
        const progress = el('div', { className: 'progress' }, el('div', { className: 'fill' }));
        (progress.firstChild as HTMLElement).style.width = `${pct}%`;
        const tr = el(
          'tr',
          {},
          el('td', {}, box),
          el('td', { className: 'run-name' }, r.name),
          el('td', {}, r.model ?? '–'),
          el('td', {}, badge, r.note && r.state !== 'training' ? el('div', { className: 'note' }, r.note) : ''),
          el('td', { className: 'num' }, step, progress),
          el('td', { className: 'num' }, r.stepsPerSecond === null ? '–' : r.stepsPerSecond.toFixed(2)),
          el('td', { className: 'num' }, r.state === 'training' ? duration(r.etaSeconds) : '–'),
          el('td', { className: 'muted' }, ago(r.updated)),
        );
        tr.dataset.run = r.name;
        tr.dataset.state = r.state;
        tr.dataset.step = String(r.step ?? '');
        tr.classList.toggle('selected', this.selected.includes(r.name));
        tr.addEventListener('click', (e) => {
          if (e.target === box) return;
          this.select(e.shiftKey || e.ctrlKey || e.metaKey ? [...new Set([...this.selected, r.name])] : [r.name]);
        });
        return tr;
      }),
    );
  }

  private syncFigures(): void {
    for (const [run, f] of this.figures) {
      if (!this.selected.includes(run)) {
        f.root.remove();
        this.figures.delete(run);
      }
    }
    for (const run of this.selected) {
      if (!this.figures.has(run)) {
        const f = new Figures(run);
        this.figures.set(run, f);
        this.figuresEl.append(f.root);
      }
    }
  }

  private scheduleRedraw(): void {
    if (this.redrawTimer !== undefined) return;
    this.redrawTimer = window.setTimeout(() => {
      this.redrawTimer = undefined;
      void this.redraw();
    }, 100);
  }

  private async redraw(): Promise<void> {
    const { vega, vegaLite } = await chartLibraries();
    const prefixRun = this.selected.length > 1;
    const rows = this.selected.flatMap((r) => chartRows(this.records.get(r) ?? [], r, { prefixRun }));
    const kinds = PANELS.map((p) => p.kind).filter((k) => rows.some((r) => r.kind === k));
    for (const [k, p] of this.panels) {
      if (!kinds.includes(k)) {
        p.dispose();
        this.panels.delete(k);
      }
    }
    for (const k of kinds) {
      let p = this.panels.get(k);
      if (!p) {
        p = new Panel(k, () => void this.redraw());
        this.panels.set(k, p);
      }
      this.panelsEl.append(p.root); // re-appending keeps PANELS order as new kinds appear
    }
    this.panelsEl.dataset.panels = kinds.join(',');
    this.panelsEl.classList.toggle('empty', kinds.length === 0);
    await Promise.all(
      kinds.map((k) => {
        const mine = rows.filter((r) => r.kind === k);
        return this.panels.get(k)!.update(vega, vegaLite, mine, [...new Set(mine.map((r) => r.metric))].sort());
      }),
    );
  }
}

// ---------------------------------------------------------------- tabs

const view = new RunsView();

function route(): void {
  const m = /^#runs(?:\/(.*))?$/.exec(location.hash);
  const runs = !!m;
  document.body.dataset.view = runs ? 'runs' : 'models';
  for (const a of Array.from(document.querySelectorAll<HTMLAnchorElement>('nav.tabs a[data-view]'))) a.classList.toggle('active', (a.dataset.view === 'runs') === runs);
  if (runs) view.start(m![1] ? m![1].split(',').filter(Boolean).map(decodeURIComponent) : []);
}

window.addEventListener('hashchange', route);
route();
