// The page: asks the worker for grids and draws them. Sampling never blocks this thread.
const $ = (id) => document.getElementById(id);
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const canvas = $('grid');
let pending = 0;

function request() {
  const label = $('label').value;
  canvas.dataset.state = 'loading';
  worker.postMessage({ id: ++pending, n: 100, seed: Number($('seed').value), label: label === 'all' ? undefined : Number(label) });
}

worker.onmessage = ({ data }) => {
  if (data.type === 'progress') {
    $('progress').value = data.total ? data.loaded / data.total : 0;
    return;
  }
  if (data.type === 'ready') {
    data.classNames.forEach((name, i) => $('label').add(new Option(`${i}: ${name}`, String(i))));
    $('status').textContent = `model loaded in ${data.ms.toFixed(0)} ms on ${data.provider} (${data.note})`;
    request();
    return;
  }
  if (data.type === 'error') {
    $('status').textContent = data.message;
    canvas.dataset.state = 'error';
    return;
  }
  if (data.id !== pending) return; // a newer request is on its way
  canvas.width = data.width;
  canvas.height = data.height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(data.rgba), data.width, data.height), 0, 0);
  $('columns').textContent = `columns: ${data.columns.join(', ')}`;
  $('status').textContent = `100 samples in ${data.ms.toFixed(1)} ms on ${data.provider} (${data.note})`;
  canvas.dataset.seed = String(data.seed);
  // The last samples as the model produced them ([100, 28, 28, 1] floats), for the console and the tests.
  window.dgmLast = { seed: data.seed, samples: new Float32Array(data.samples), provider: data.provider, note: data.note };
  canvas.dataset.state = 'done';
};

$('label').addEventListener('change', request);
$('seed').addEventListener('change', request);
// The provider can be chosen by the page's URL: ?providers=webgpu,wasm
worker.postMessage({ type: 'load', providers: new URLSearchParams(location.search).get('providers')?.split(',') });
