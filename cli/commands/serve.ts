/** `dgm serve`: the browser app on 127.0.0.1, running the exported models with onnxruntime-web. */
import { Command } from 'commander';
import { startAppServer, TestImages } from '../../runtime/app-server';
import { isLoopback } from '../../runtime/server';
import { CLASS_NAMES, findFashionMnist, readSplit } from '../../training/data/fashion-mnist';
import { trainPageExtension } from '../../training/browser/serve';

/** The training page (training/browser/serve.ts); without its bundler (an install without dev dependencies) the rest
 *  of the page is served and a line says why that tab is missing. */
async function trainPage(): Promise<Awaited<ReturnType<typeof trainPageExtension>>[]> {
  try {
    return [await trainPageExtension((l) => console.error(l))];
  } catch (err) {
    console.error(`dgm serve: no training page: ${(err as Error).message}`);
    return [];
  }
}

/** The most test images the page asks for (app-server.ts's `count` bound). */
const MAX_TEST_IMAGES = 100;
let testImagesCache: TestImages | undefined;

/**
 * The first `count` Fashion-MNIST test images, found without downloading (the page just shows none otherwise).
 * The split is unzipped and decoded once per process: doing it per request made every other request wait.
 */
export function fashionMnistTestImages(count: number): TestImages {
  if (!testImagesCache) {
    const loc = findFashionMnist();
    if (!loc) throw new Error('Fashion-MNIST not found (run `dgm data` to find or download it)');
    const test = readSplit(loc, 'test');
    const n = Math.min(MAX_TEST_IMAGES, test.n);
    testImagesCache = {
      images: Array.from({ length: n }, (_, i) => Array.from(test.images.subarray(i * 784, (i + 1) * 784))),
      labels: Array.from(test.labels.subarray(0, n)),
      classNames: [...CLASS_NAMES],
      source: loc.dir,
    };
  }
  const c = testImagesCache;
  return { images: c.images.slice(0, count), labels: c.labels.slice(0, count), classNames: c.classNames, source: c.source };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the browser app (onnxruntime-web: WebGPU, else wasm) for the exported models')
    .option('--models <dir>', 'folder of exported models', 'models')
    .option('--runs <dir>', 'training runs folder the runs view shows (read-only)', 'runs')
    .option('--host <host>', 'interface to bind (loopback by default; anything else exposes the page to the network)', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one)', '8080')
    .option('--verbose', 'log every request')
    .action(async (opts: { models: string; runs: string; host: string; port: string; verbose?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in [0, 65535], got ${opts.port}`);
      if (!isLoopback(opts.host)) console.error(`warning: binding to ${opts.host}: the page and the models are reachable from the network`);
      const server = await startAppServer({ modelsDir: opts.models, host: opts.host, port, testImages: fashionMnistTestImages, verbose: opts.verbose, runsDir: opts.runs, extensions: await trainPage() });
      console.log(`dgm serve: ${server.url} (models from ${opts.models}; runs view: ${server.url}#runs, from ${opts.runs}; Ctrl-C stops)`);
      const stop = () => {
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
