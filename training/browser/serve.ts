/**
 * What `dgm serve` adds for the training page (/train/train.html): the bundle (bundle.ts) as /train/, tfjs-wasm's
 * binaries as /tfjs-wasm/, the chart library, and /api/train-page/facts (the commit the page's export records, as
 * `dgm export` does). Node-only, dev-server only: runtime/app-server.ts takes it as an extension and imports none
 * of training/.
 */
import { gitCommit } from '../../export/git-info';
import { chartLibraryRoots } from '../../runtime/runs-api';
import type { ServeRoot, ServerOptions } from '../../runtime/server';
import { ensureTrainBundle, tfjsWasmDir } from './bundle';

export interface PageExtension {
  roots: ServeRoot[];
  api: NonNullable<ServerOptions['api']>;
}

export async function trainPageExtension(log?: (line: string) => void): Promise<PageExtension> {
  const bundle = await ensureTrainBundle({ log });
  return {
    roots: [{ prefix: '/train/', dir: bundle.dir }, { prefix: '/tfjs-wasm/', dir: tfjsWasmDir() }, ...chartLibraryRoots()],
    api: { '/api/train-page/facts': () => gitCommit() },
  };
}
