/**
 * /train/train.html: the moons flow trained live in the browser (tfjs on WebGPU, wasm or cpu), with its loss curve
 * (Vega-Lite, the runs view's panel spec) and samples redrawn while it trains; then exported to ONNX here, with the
 * project's own exporter (export/assemble-model.ts: parity against tfjs on onnxruntime-web, the card, the files),
 * and sampled from the exported files with onnxruntime-web (runtime/web.ts Flow).
 *
 * The training step is maf-moons' (training/runs/maf-common.ts mafTrainStep, Adam with PyTorch's coupled weight
 * decay), with the harness's data order (batchOrder(n, batch, seed, epoch)) and init stream. Elements carry
 * data-state for the browser test; `window.dgmTrainPage` exposes the last run and export to it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { Random } from '../../runtime/core/random';
import { boundsOf, type Bounds, drawPoints, gridPoints, heatmap } from '../../runtime/core/plot2d';
import { Flow, webSha256, webgpuAdapter } from '../../runtime/web';
import { chartRows, CHART_CONFIG, DATA_NAME, panelSpec, type MetricsLine } from '../../runtime/app/run-charts';
import { batchCount, batchOrder, gatherRows } from '../data/batches';
import { makeMoons, type Moons } from '../data/moons';
import { initMafParams, mafSample, type MafDefinition } from '../../families/maf/maf';
import type { Params } from '../nets/layers';
import { mafDefinitionFromRunConfig, mafOptimizer, mafTrainStep, meanLogProb } from '../../families/maf/maf-common';
import { registerWasmKernels } from '../wasm-kernels';
import { registerWebgpuKernels } from '../webgpu-kernels';
import { assembleModel } from '../../export/assemble-model';
import { exportFacts } from '../../export/card';
import { PAGE_MAF_DEFAULTS, PAGE_STREAM_INIT, pageMafConfig, pageMafJob, type PageMafOptions, type TrainedMaf } from './maf-page-job';
import * as ort from 'onnxruntime-web';

type Backend = 'webgpu' | 'wasm' | 'cpu';

interface VegaView {
  data(name: string, values: unknown[]): VegaView;
  runAsync(): Promise<VegaView>;
  finalize(): void;
}
interface Vega {
  parse(spec: unknown): unknown;
  View: new (runtime: unknown, opts: { renderer: 'svg'; container: HTMLElement }) => VegaView;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};
const setState = (el: HTMLElement, s: string) => (el.dataset.state = s);
const num = (id: string) => Number($<HTMLInputElement>(id).value);

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

let charts: Promise<{ vega: Vega; vegaLite: { compile(s: unknown): { spec: unknown } } }> | undefined;
function chartLibraries() {
  charts ??= (async () => {
    await loadScript('/vendor/vega/vega.min.js');
    await loadScript('/vendor/vega-lite/vega-lite.min.js');
    const g = globalThis as unknown as { vega: Vega; vegaLite: { compile(s: unknown): { spec: unknown } } };
    return { vega: g.vega, vegaLite: g.vegaLite };
  })();
  return charts;
}

/** The tfjs backend the page trains on; webgpu only where the browser gives an adapter. Returns a line saying which. */
async function useBackend(b: Backend): Promise<string> {
  if (b === 'webgpu') {
    const adapter = await webgpuAdapter();
    if (!adapter) throw new Error('this browser gives no WebGPU adapter: choose wasm or cpu');
    await import('@tensorflow/tfjs-backend-webgpu');
    registerWebgpuKernels();
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed (see the console)');
    return `webgpu (${adapter.name}${adapter.software ? ", software" : ""})`;
  }
  if (b === 'wasm') {
    setWasmPaths('/tfjs-wasm/');
    registerWasmKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed (see the console)');
    return 'wasm';
  }
  if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") failed');
  return 'cpu (plain JavaScript)';
}

interface RunState {
  def: MafDefinition;
  params: Params;
  moons: Moons;
  opts: PageMafOptions;
  config: ReturnType<typeof pageMafConfig>;
  seed: number;
  backend: Backend;
  step: number;
  /** Fractional epochs, for the curve. */
  epoch: number;
  /** Epochs completed (the epoch index the next step belongs to), as a checkpoint records it. */
  epochIndex: number;
  records: MetricsLine[];
  lastNll: number;
  valLl?: number;
}

const MAP_W = 420;
const MAP_H = 300;
const SAMPLE_SEED = 1234;

class TrainPage {
  run?: RunState;
  /** The last export: file name -> bytes (card.json as UTF-8). */
  exported?: { files: Record<string, Uint8Array>; card: unknown; ms: number };
  trained?: TrainedMaf;
  /** The weights as initialised (before the first step). */
  initTensors?: { name: string; data: Float32Array }[];
  onnxSamples?: Float32Array;
  private view?: VegaView;
  private bounds?: Bounds;
  private stopAsked = false;

  private readonly status = $('train-status');
  private readonly lossEl = $('train-loss');
  private readonly samplesEl = $<HTMLCanvasElement>('train-samples');
  private readonly exportEl = $('export-status');
  private readonly onnxEl = $<HTMLCanvasElement>('onnx-samples');

  constructor() {
    $('train-run').addEventListener('click', () => void this.train().catch((e) => this.fail(this.status, this.lossEl, e)));
    $('train-stop').addEventListener('click', () => (this.stopAsked = true));
    $('export-run').addEventListener('click', () => void this.exportNow().catch((e) => this.fail(this.exportEl, this.exportEl, e)));
    void webgpuAdapter().then((a) => {
      // As the models page's 'auto': WebGPU when the adapter is hardware; a software one (SwiftShader) is far slower than wasm.
      $('train-env').textContent = a ? `WebGPU adapter: ${a.name}${a.software ? ' (software: wasm is the default here)' : ''}` : 'no WebGPU adapter in this browser: wasm trains here';
      if (!a || a.software) $<HTMLSelectElement>('train-backend').value = 'wasm';
    });
  }

  private fail(where: HTMLElement, stateEl: HTMLElement, err: unknown): void {
    where.textContent = err instanceof Error ? err.message : String(err);
    where.classList.add('error');
    setState(stateEl, 'error');
    console.error(err);
  }

  async train(): Promise<void> {
    const backend = $<HTMLSelectElement>('train-backend').value as Backend;
    const seed = num('train-seed');
    const steps = num('train-steps');
    const every = Math.max(1, num('train-every'));
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`seed must be an integer >= 0, got ${seed}`);
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be an integer >= 1, got ${steps}`);
    $<HTMLButtonElement>('train-run').disabled = true;
    $<HTMLButtonElement>('export-run').disabled = true;
    this.stopAsked = false;
    this.exported = undefined;
    setState(this.lossEl, 'loading');
    setState(this.samplesEl, 'loading');
    try {
      this.release();
      const line = await useBackend(backend);
      const opts: PageMafOptions = { ...PAGE_MAF_DEFAULTS, hidden: num('train-hidden'), flows: num('train-flows'), batch: num('train-batch') };
      const moons = makeMoons({ seed: opts.dataSeed, n: opts.n });
      const config = pageMafConfig(opts, moons);
      const def = mafDefinitionFromRunConfig(config);
      const params = initMafParams(def, new Random(seed, PAGE_STREAM_INIT));
      const opt = mafOptimizer(opts.lr, opts.weightDecay);
      const run: RunState = { def, params, moons, opts, config, seed, backend, step: 0, epoch: 0, epochIndex: 0, records: [], lastNll: NaN };
      this.run = run;
      this.initTensors = [];
      for (const [name, v] of params) this.initTensors.push({ name, data: Float32Array.from((await v.data()) as Float32Array) });
      this.bounds = boundsOf(moons.test);
      await this.drawSamples();
      const nTrain = moons.train.length / 2;
      const perEpoch = batchCount(nTrain, opts.batch, false);
      let batches: Int32Array[] = [];
      let batchesEpoch = -1;
      let sum = 0;
      let count = 0;
      const t0 = performance.now();
      try {
        while (run.step < steps && !this.stopAsked) {
          const epoch = Math.floor(run.step / perEpoch);
          if (epoch !== batchesEpoch) {
            batches = batchOrder(nTrain, opts.batch, seed, epoch, false);
            batchesEpoch = epoch;
          }
          const idx = batches[run.step % perEpoch];
          const loss = tf.tidy(() => mafTrainStep(def, params, opt, tf.tensor2d(gatherRows(moons.train, 2, idx), [idx.length, 2])));
          const v = (await loss.data())[0];
          loss.dispose();
          run.step += 1;
          run.epoch = run.step / perEpoch;
          run.epochIndex = Math.floor(run.step / perEpoch);
          if (!Number.isFinite(v)) throw new Error(`training diverged at step ${run.step} (nll ${v})`);
          run.lastNll = v;
          sum += v;
          count += 1;
          if (run.step % every === 0 || run.step === steps) {
            run.records.push({ type: 'train', step: run.step, epoch: run.epoch, nll: sum / count });
            sum = 0;
            count = 0;
            await this.drawLoss();
            await this.drawSamples();
            const rate = run.step / ((performance.now() - t0) / 1000);
            this.status.textContent = `step ${run.step} / ${steps} on ${line}: nll ${run.lastNll.toFixed(4)} nats (${rate.toFixed(1)} steps/s)`;
          }
        }
        run.valLl = await meanLogProb(def, params, moons.val);
        run.records.push({ type: 'eval', step: run.step, epoch: run.epoch, val_ll: run.valLl });
        await this.drawLoss();
      } finally {
        opt.dispose();
      }
      this.status.textContent = `trained ${run.step} steps on ${line}: last batch nll ${run.lastNll.toFixed(4)}, val_ll ${run.valLl.toFixed(4)} nats/point`;
      this.trained = await this.trainedFacts(run, line);
      setState(this.lossEl, 'done');
      setState(this.samplesEl, 'done');
      $<HTMLButtonElement>('export-run').disabled = false;
    } finally {
      $<HTMLButtonElement>('train-run').disabled = false;
    }
  }

  private release(): void {
    if (this.run) for (const v of this.run.params.values()) v.dispose();
    this.run = undefined;
    this.trained = undefined;
  }

  private async trainedFacts(run: RunState, line: string): Promise<TrainedMaf> {
    const tensors = [];
    for (const [name, v] of run.params) tensors.push({ name, shape: [...v.shape], data: Float32Array.from((await v.data()) as Float32Array) });
    const metrics: Record<string, number> = { nll: run.records.filter((r) => r.type === 'train').at(-1)!.nll as number, val_ll: run.valLl! };
    return {
      name: `browser-maf-moons-seed${run.seed}`,
      config: run.config,
      tensors,
      training: {
        run: 'trained in the browser (dgm serve: /train/train.html)',
        checkpoint: 'none (weights taken from the page)',
        step: run.step,
        epoch: run.epochIndex,
        config: run.config,
        metrics,
        meta: { run: 'maf-moons', backend: run.backend, backendDetail: line, seed: run.seed },
      },
    };
  }

  private async drawLoss(): Promise<void> {
    const run = this.run!;
    const rows = chartRows(run.records, 'page');
    const { vega, vegaLite } = await chartLibraries();
    if (!this.view) {
      const spec = { ...panelSpec('loss', ['nll'], rows, { width: 400, height: 200 }), config: CHART_CONFIG };
      this.lossEl.textContent = '';
      this.view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'svg', container: this.lossEl });
    }
    await this.view.data(DATA_NAME, rows.filter((r) => r.kind === 'loss')).runAsync();
    this.lossEl.dataset.points = String(rows.filter((r) => r.kind === 'loss').length);
  }

  /** 1000 samples of the current weights (tfjs) over the test points. */
  private async drawSamples(): Promise<void> {
    const run = this.run!;
    const s = tf.tidy(() => mafSample(run.def, run.params, 1000, SAMPLE_SEED));
    const pts = (await s.data()) as Float32Array;
    s.dispose();
    const img = new Uint8ClampedArray(MAP_W * MAP_H * 4).fill(255);
    drawPoints(img, MAP_W, MAP_H, run.moons.test, this.bounds!, [200, 200, 200], 1);
    drawPoints(img, MAP_W, MAP_H, pts, this.bounds!, [52, 81, 178], 2);
    put(this.samplesEl, img);
    this.samplesEl.dataset.step = String(run.step);
    this.samplesEl.dataset.drawn = String(Number(this.samplesEl.dataset.drawn ?? 0) + 1);
  }

  /** Export with the project's exporter, in the page; then sample the exported files with onnxruntime-web. */
  async exportNow(): Promise<void> {
    const run = this.run;
    const trained = this.trained;
    if (!run || !trained) throw new Error('train first');
    setState(this.exportEl, 'loading');
    setState(this.onnxEl, 'loading');
    this.exportEl.textContent = 'exporting: parity with tfjs on onnxruntime-web…';
    const t0 = performance.now();
    // The parity reference on the cpu backend, loaded from the weights as dgm export loads a checkpoint.
    // Its variables take the trained ones' names (tfjs registers variables by name), so those go first; the
    // reference becomes the run's parameters afterwards.
    const trainBackend = tf.getBackend();
    for (const v of run.params.values()) v.dispose();
    await tf.setBackend('cpu');
    const params = initMafParams(run.def, new Random(0));
    run.params = params;
    for (const t of trained.tensors) params.get(t.name)!.assign(tf.tensor(t.data, t.shape));
    try {
      const facts = (await (await fetch('/api/train-page/facts')).json()) as { commit: string; dirty: boolean };
      const { job } = pageMafJob(trained, params, { reference: `tfjs-core ${tf.version_core} (cpu backend)` });
      const built = await assembleModel(job, {
        runtime: `onnxruntime-web ${ort.env.versions.web} (wasm)`,
        checker: () => ({ ran: false, detail: 'not run: the ONNX checker (python3-onnx) is not available in the browser' }),
        export: exportFacts(facts),
        sha256: webSha256,
      });
      const files: Record<string, Uint8Array> = {};
      for (const [k, v] of Object.entries(built.files)) files[k] = typeof v === 'string' ? new TextEncoder().encode(v) : v;
      this.exported = { files, card: built.card, ms: performance.now() - t0 };
      const worst = Math.max(...built.card.parity.checks.map((c) => c.maxAbsError));
      this.exportEl.textContent = `exported ${built.card.id}: ${Object.entries(files).map(([k, v]) => `${k} ${v.length} B`).join(', ')}; parity ${built.card.parity.checks.length} checks, worst |error| ${worst.toExponential(2)} (${(this.exported.ms / 1000).toFixed(1)} s)`;
      this.links(files);
      setState(this.exportEl, 'done');
    } finally {
      await tf.setBackend(trainBackend);
    }
    await this.sampleOnnx();
  }

  private links(files: Record<string, Uint8Array>): void {
    const box = $('export-files');
    box.textContent = '';
    for (const [name, bytes] of Object.entries(files)) {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>]));
      a.download = name;
      a.textContent = name;
      box.append(a, ' ');
    }
  }

  private async sampleOnnx(): Promise<void> {
    const files = this.exported!.files;
    const flow = await Flow.load(files['model.onnx'], { files: { 'sample.onnx': files['sample.onnx'] }, provider: 'wasm' });
    try {
      const s = await flow.sample({ n: 1000, seed: 1 });
      const b = boundsOf(s.data);
      const cw = 84;
      const ch = 60;
      const lp = await flow.logProbData(gridPoints(b, cw, ch));
      const img = heatmap(Float32Array.from(lp.logProb), cw, ch, MAP_W, MAP_H);
      drawPoints(img, MAP_W, MAP_H, s.data, b);
      put(this.onnxEl, img);
      this.onnxSamples = s.data;
      $('onnx-time').textContent = `1000 samples and the density from the exported files on onnxruntime-web (${flow.provider}) in ${s.ms.toFixed(0)} ms`;
      setState(this.onnxEl, 'done');
    } finally {
      await flow.release();
    }
  }
}

function put(canvas: HTMLCanvasElement, rgba: Uint8ClampedArray): void {
  canvas.width = MAP_W;
  canvas.height = MAP_H;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(MAP_W, MAP_H);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
}

const page = new TrainPage();
(window as unknown as { dgmTrainPage: TrainPage }).dgmTrainPage = page;
document.body.dataset.ready = 'true';
