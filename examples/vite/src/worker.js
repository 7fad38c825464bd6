// The sampler, in a module Web Worker: loads the shipped cgan from the models folder the app serves, then answers
// grid requests with RGBA pixels (transferred, not copied).
import { GanSampler, labelledGrid, toRGBA } from 'dgm-runtime/web';

const MODELS = new URL(`${import.meta.env.BASE_URL}models/`, self.location.origin);
let gan;

self.onmessage = async ({ data }) => {
  try {
    if (data.type === 'load') {
      const t0 = performance.now();
      const opts = { baseUrl: MODELS, onProgress: (p) => self.postMessage({ type: 'progress', loaded: p.loaded, total: p.total }) };
      gan = await GanSampler.load('cgan', data.providers ? { ...opts, providers: data.providers } : opts);
      self.postMessage({ type: 'ready', ms: performance.now() - t0, provider: gan.provider, note: gan.providerNote, classNames: gan.spec.classNames });
      return;
    }
    const labels = data.label ?? Array.from({ length: data.n }, (_, i) => i % gan.spec.numClasses);
    const { images, labels: used, ms } = await gan.sample({ n: data.n, seed: data.seed, labels });
    const grid = labelledGrid(images, used, gan.spec.classNames, { pad: 1 });
    const rgba = toRGBA(grid).slice().buffer;
    const samples = images.data.slice().buffer; // the model's own floats, for the page to keep
    self.postMessage({ id: data.id, seed: data.seed, width: grid.width, height: grid.height, rgba, samples, columns: grid.columns.map((c) => c.name), ms, provider: gan.provider, note: gan.providerNote }, [rgba, samples]);
  } catch (err) {
    self.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
