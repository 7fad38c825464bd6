/**
 * The page `dgm serve` serves: the exported models run in the browser through runtime/web.ts (onnxruntime-web).
 * A GAN sample grid with a class picker and a seed, the moons flow's density with its samples, and the
 * log-likelihood of a Fashion-MNIST test image or a drawing under the image flow; each shows its provider and time.
 *
 * Every section marks its state on its output element (data-state = loading | done | error | none), which is what
 * the end-to-end test waits on.
 */
import { boundsOf, Bounds, drawPoints, Flow, GanSampler, gridPoints, heatmap, imageGrid, toRGBA, WebProvider } from '../web.js';

interface ModelEntry {
  name: string;
  /** URL of the model's primary .onnx file. */
  url: string;
  /** The model family (card.family) and which runtime API loads it (card.type). */
  family: string;
  type: 'gan' | 'flow';
  /** Image shape of a GAN's images or of a flow over images (card facts). */
  image?: { channels: number; height: number; width: number };
  kind: string;
  numClasses: number;
  classNames: string[];
  dims: number;
  description: string;
  steps: number;
}

interface TestImages {
  images: number[][];
  labels: number[];
  classNames: string[];
  source: string;
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page element #${id} is missing`);
  return el as T;
};

function setState(el: HTMLElement, state: 'loading' | 'done' | 'error' | 'none'): void {
  el.dataset.state = state;
}

function showError(where: HTMLElement, err: unknown): void {
  where.textContent = err instanceof Error ? err.message : String(err);
  where.classList.add('error');
}

function putPixels(canvas: HTMLCanvasElement, width: number, height: number, rgba: Uint8ClampedArray): void {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
}

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(0)) + ' ms';

function providerText(p: { provider: string; providerNote: string }): string {
  return `${p.provider}${p.providerNote ? ` (${p.providerNote})` : ''}`;
}

// ---------------------------------------------------------------- GAN

class GanSection {
  private sampler?: GanSampler;
  private readonly grid = $<HTMLCanvasElement>('gan-grid');
  private readonly time = $('gan-time');
  private readonly picker = $<HTMLSelectElement>('gan-class');
  private readonly seed = $<HTMLInputElement>('gan-seed');
  private readonly count = $<HTMLSelectElement>('gan-n');
  private readonly button = $<HTMLButtonElement>('gan-run');

  constructor(private readonly entry: ModelEntry | undefined) {
    this.button.addEventListener('click', () => void this.run());
    this.picker.addEventListener('change', () => void this.run());
    this.seed.addEventListener('change', () => void this.run());
    this.count.addEventListener('change', () => void this.run());
  }

  async load(provider: WebProvider): Promise<void> {
    await this.sampler?.release();
    this.sampler = undefined;
    const info = $('gan-model');
    if (!this.entry) {
      info.textContent = 'no GAN exported yet: run `make demo` (or dgm train cgan, dgm export)';
      setState(this.grid, 'none');
      this.button.disabled = true;
      return;
    }
    setState(this.grid, 'loading');
    this.time.textContent = 'loading model…';
    const t0 = performance.now();
    this.sampler = await GanSampler.load(this.entry.url, { provider });
    const loadMs = performance.now() - t0;
    const spec = this.sampler.spec;
    info.textContent = `${spec.name} (${spec.kind}): ${spec.description}`;
    this.picker.length = 1;
    this.picker.parentElement!.style.display = spec.numClasses > 0 ? '' : 'none';
    spec.classNames.forEach((c, i) => this.picker.add(new Option(`${i}: ${c}`, String(i))));
    this.time.textContent = `session ready in ${ms(loadMs)} on ${providerText(this.sampler)}`;
    await this.run();
  }

  async run(): Promise<void> {
    const s = this.sampler;
    if (!s) return;
    this.button.disabled = true;
    setState(this.grid, 'loading');
    this.time.classList.remove('error');
    try {
      const n = Number(this.count.value);
      const seed = Number(this.seed.value);
      const label = this.picker.value === 'all' ? undefined : Number(this.picker.value);
      const r = await s.sample({ n, seed, labels: label });
      // Conditional: as many columns as classes (with all classes, column k is class k), so rows stay full.
      const cols = s.conditional ? s.spec.numClasses : Math.ceil(Math.sqrt(n));
      const g = imageGrid(r.images, { cols, pad: 1 });
      putPixels(this.grid, g.width, g.height, toRGBA(g));
      this.grid.dataset.label = label === undefined ? 'all' : String(label);
      this.grid.dataset.seed = String(seed);
      this.time.textContent = `${n} samples in ${ms(r.ms)} on ${providerText(s)}`;
      setState(this.grid, 'done');
    } catch (err) {
      showError(this.time, err);
      setState(this.grid, 'error');
    } finally {
      this.button.disabled = false;
    }
  }
}

// ---------------------------------------------------------------- moons flow

const MAP_W = 480;
const MAP_H = 320;
const CELLS_X = 96;
const CELLS_Y = 64;

class MoonsSection {
  private flow?: Flow;
  private bounds?: Bounds;
  private density?: Uint8ClampedArray;
  private densityMs = 0;
  private readonly canvas = $<HTMLCanvasElement>('moons-map');
  private readonly time = $('moons-time');
  private readonly seed = $<HTMLInputElement>('moons-seed');
  private readonly count = $<HTMLSelectElement>('moons-n');
  private readonly button = $<HTMLButtonElement>('moons-run');

  constructor(private readonly entry: ModelEntry | undefined) {
    this.button.addEventListener('click', () => void this.run());
    this.seed.addEventListener('change', () => void this.run());
    this.count.addEventListener('change', () => void this.run());
  }

  async load(provider: WebProvider): Promise<void> {
    await this.flow?.release();
    this.flow = undefined;
    const info = $('moons-model');
    if (!this.entry) {
      info.textContent = 'no 2-D flow exported yet: run `make demo` (or dgm train maf-moons, dgm export)';
      setState(this.canvas, 'none');
      this.button.disabled = true;
      return;
    }
    setState(this.canvas, 'loading');
    this.time.textContent = 'loading model…';
    this.flow = await Flow.load(this.entry.url, { provider });
    info.textContent = `${this.flow.spec.name}: ${this.flow.spec.description}`;
    // The map's extent comes from a fixed sample, so resampling moves the dots, not the axes.
    const ref = await this.flow.sample({ n: 2000, seed: 0 });
    this.bounds = boundsOf(ref.data);
    const t0 = performance.now();
    const lp = await this.flow.logProbData(gridPoints(this.bounds, CELLS_X, CELLS_Y));
    this.densityMs = performance.now() - t0;
    this.density = heatmap(Float32Array.from(lp.logProb), CELLS_X, CELLS_Y, MAP_W, MAP_H);
    await this.run();
  }

  async run(): Promise<void> {
    const flow = this.flow;
    if (!flow || !this.bounds || !this.density) return;
    this.button.disabled = true;
    setState(this.canvas, 'loading');
    try {
      const n = Number(this.count.value);
      const s = await flow.sample({ n, seed: Number(this.seed.value) });
      const img = new Uint8ClampedArray(this.density);
      drawPoints(img, MAP_W, MAP_H, s.data, this.bounds);
      putPixels(this.canvas, MAP_W, MAP_H, img);
      this.time.textContent = `density on ${CELLS_X}x${CELLS_Y} points in ${ms(this.densityMs)}; ${n} samples in ${ms(s.ms)}; on ${providerText(flow)}`;
      setState(this.canvas, 'done');
    } catch (err) {
      showError(this.time, err);
      setState(this.canvas, 'error');
    } finally {
      this.button.disabled = false;
    }
  }
}

// ---------------------------------------------------------------- Fashion-MNIST flow

const DRAW_SCALE = 10;

class FmnistSection {
  private flow?: Flow;
  private readonly result = $('fmnist-result');
  private readonly time = $('fmnist-time');
  private readonly draw = $<HTMLCanvasElement>('fmnist-draw');
  private readonly strip = $('fmnist-tests');
  private tests?: TestImages;

  constructor(private readonly entry: ModelEntry | undefined) {
    this.setUpDrawing();
    $('fmnist-clear').addEventListener('click', () => this.clear());
    $('fmnist-score').addEventListener('click', () => void this.score(this.drawnPixels(), 'your drawing'));
  }

  async load(provider: WebProvider): Promise<void> {
    await this.flow?.release();
    this.flow = undefined;
    const info = $('fmnist-model');
    if (!this.entry) {
      info.textContent = 'no Fashion-MNIST flow exported yet: run dgm train maf-fmnist, dgm export';
      setState(this.result, 'none');
      return;
    }
    this.flow = await Flow.load(this.entry.url, { provider });
    const spec = this.flow.spec;
    info.textContent = `${spec.name}: ${spec.description}`;
    if (spec.transform.kind !== 'logit' || !spec.image) {
      showError(this.result, `the card of ${spec.name} does not say how pixels map to its coordinates (${spec.space || 'no data space'})`);
      setState(this.result, 'error');
      return;
    }
    if (!this.tests) await this.loadTests();
    this.result.textContent = 'pick a test image or draw one';
    setState(this.result, 'none');
  }

  private async loadTests(): Promise<void> {
    try {
      const res = await fetch('/api/test-images?count=12');
      const body = (await res.json()) as TestImages & { error?: string };
      if (!res.ok || body.error) throw new Error(body.error ?? `HTTP ${res.status}`);
      this.tests = body;
    } catch (err) {
      this.strip.textContent = `no test images: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    this.strip.textContent = '';
    this.tests.images.forEach((px, i) => {
      const c = document.createElement('canvas');
      const { height, width } = this.flow!.spec.image!;
      const rgba = new Uint8ClampedArray(height * width * 4);
      px.forEach((v, k) => rgba.set([v, v, v, 255], 4 * k));
      putPixels(c, width, height, rgba);
      c.title = this.tests!.classNames[this.tests!.labels[i]] ?? '';
      c.dataset.index = String(i);
      c.addEventListener('click', () => {
        this.strip.querySelectorAll('canvas').forEach((o) => o.classList.remove('chosen'));
        c.classList.add('chosen');
        void this.score(px, `test image ${i} (${c.title})`);
      });
      this.strip.appendChild(c);
    });
  }

  async score(pixels: number[], what: string): Promise<void> {
    const flow = this.flow;
    if (!flow) return;
    setState(this.result, 'loading');
    this.result.classList.remove('error');
    try {
      const r = await flow.logProbData([pixels]);
      const lp = r.logProb[0];
      const bpd = r.bitsPerDim?.[0];
      this.result.textContent = `${what}: log p = ${lp.toFixed(1)} nats${bpd !== undefined ? `, ${bpd.toFixed(3)} bits/dim` : ''}`;
      this.result.dataset.logprob = String(lp);
      if (bpd !== undefined) this.result.dataset.bitsPerDim = String(bpd);
      this.time.textContent = `${ms(r.ms)} on ${providerText(flow)}`;
      setState(this.result, 'done');
    } catch (err) {
      showError(this.result, err);
      setState(this.result, 'error');
    }
  }

  private clear(): void {
    const ctx = this.draw.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.draw.width, this.draw.height);
  }

  private setUpDrawing(): void {
    this.clear();
    const ctx = this.draw.getContext('2d')!;
    let down = 0;
    const paint = (e: PointerEvent) => {
      const r = this.draw.getBoundingClientRect();
      const x = ((e.clientX - r.left) / r.width) * this.draw.width;
      const y = ((e.clientY - r.top) / r.height) * this.draw.height;
      ctx.fillStyle = down === 2 ? '#000' : '#fff';
      ctx.beginPath();
      ctx.arc(x, y, 1.6 * DRAW_SCALE, 0, 2 * Math.PI);
      ctx.fill();
    };
    this.draw.addEventListener('contextmenu', (e) => e.preventDefault());
    this.draw.addEventListener('pointerdown', (e) => {
      down = e.button === 2 ? 2 : 1;
      this.draw.setPointerCapture(e.pointerId);
      paint(e);
    });
    this.draw.addEventListener('pointermove', (e) => down && paint(e));
    this.draw.addEventListener('pointerup', () => {
      down = 0;
      void this.score(this.drawnPixels(), 'your drawing');
    });
  }

  /** The drawing at the flow's image size (its card's data.details.image): the mean of each block of the canvas. */
  private drawnPixels(): number[] {
    const ctx = this.draw.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, this.draw.width, this.draw.height);
    const w = this.draw.width;
    const im = this.flow?.spec.image ?? { height: this.draw.height / DRAW_SCALE, width: w / DRAW_SCALE };
    const sy = Math.floor(this.draw.height / im.height), sx = Math.floor(w / im.width);
    const out: number[] = [];
    for (let y = 0; y < im.height; y++) {
      for (let x = 0; x < im.width; x++) {
        let sum = 0;
        for (let dy = 0; dy < sy; dy++) for (let dx = 0; dx < sx; dx++) sum += data[((y * sy + dy) * w + x * sx + dx) * 4];
        out.push(Math.round(sum / (sy * sx)));
      }
    }
    return out;
  }
}

// ---------------------------------------------------------------- page

async function environment(): Promise<string> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const adapter = gpu ? (await gpu.requestAdapter()) !== null : false;
  return `WebGPU adapter: ${adapter ? 'yes' : 'no'} · cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no'} · cores: ${navigator.hardwareConcurrency}`;
}

/**
 * The model of each section: the one named in the URL (?gan=, ?moons=, ?image=), else the longest-trained candidate
 * (a conditional GAN before an unconditional one).
 */
function pick(models: ModelEntry[]): { gan?: ModelEntry; moons?: ModelEntry; fmnist?: ModelEntry } {
  const q = new URLSearchParams(location.search);
  const best = (cands: ModelEntry[], param: string) => {
    const named = q.get(param);
    if (named) return cands.find((m) => m.name === named);
    return [...cands].sort((a, b) => b.steps - a.steps)[0];
  };
  const gans = models.filter((m) => m.type === 'gan');
  const conditional = gans.filter((m) => m.numClasses > 0);
  return {
    gan: best(conditional.length && !q.get('gan') ? conditional : gans, 'gan'),
    moons: best(models.filter((m) => m.type === 'flow' && m.dims === 2 && !m.image), 'moons'),
    fmnist: best(models.filter((m) => m.type === 'flow' && m.image !== undefined), 'image'),
  };
}

async function main(): Promise<void> {
  const status = $('status');
  $('env').textContent = await environment();
  const res = await fetch('/api/models');
  const models = (await res.json()) as ModelEntry[];
  status.textContent = models.length ? `models: ${models.map((m) => m.name).join(', ')}` : 'no exported models found in the models folder';
  const chosen = pick(models);
  const sections = { gan: new GanSection(chosen.gan), moons: new MoonsSection(chosen.moons), fmnist: new FmnistSection(chosen.fmnist) };
  const ep = $<HTMLSelectElement>('ep');
  const loadAll = async () => {
    const provider = ep.value as WebProvider;
    // One after another: the first session initialises onnxruntime-web (and its wasm threads) once.
    for (const [name, s] of Object.entries(sections)) {
      try {
        await s.load(provider);
      } catch (err) {
        const out = { gan: 'gan-time', moons: 'moons-time', fmnist: 'fmnist-result' }[name]!;
        showError($(out), err);
        setState({ gan: $('gan-grid'), moons: $('moons-map'), fmnist: $('fmnist-result') }[name as 'gan']!, 'error');
      }
    }
  };
  ep.addEventListener('change', () => void loadAll());
  await loadAll();
  document.body.dataset.ready = 'true';
}

main().catch((err) => {
  showError($('status'), err);
  document.body.dataset.ready = 'error';
});
