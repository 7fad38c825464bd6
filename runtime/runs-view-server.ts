/**
 * What `dgm serve` adds for the runs view (registered by app-server.ts in one call): the chart library's files,
 * /api/runs, the event stream and figure route of runs-api.ts, and the announcement `dgm train` looks for.
 */
import { chartLibraryRoots, listRunInfos, runsRoute } from './runs-api.js';
import { announceServer } from './serve-discovery.js';
import type { RunningServer, ServeRoot, ServerOptions } from './server.js';
import * as path from 'path';

export function runsView(runsDir: string, roots: ServeRoot[]): {
  routes: NonNullable<ServerOptions['routes']>;
  api: NonNullable<ServerOptions['api']>;
  announce(server: RunningServer): RunningServer;
} {
  const dir = path.resolve(runsDir);
  roots.push(...chartLibraryRoots());
  return {
    routes: [runsRoute({ runsDir: dir })],
    api: { '/api/runs': () => listRunInfos(dir) },
    announce(server) {
      const remove = announceServer(dir, server.url);
      return {
        ...server,
        close: async () => {
          remove();
          await server.close();
        },
      };
    },
  };
}
