/**
 * The HTTP server behind `dgm serve`: the browser app, onnxruntime-web's dist files and the exported models.
 *
 * Every response carries COOP/COEP/CORP: cross-origin isolation is what lets onnxruntime-web run threaded wasm
 * (SharedArrayBuffer) and gives the page fine-grained timers. Only files under the configured roots are served;
 * anything else, including paths that climb out of a root (`..`, encoded or not, or a symlink), is refused.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';

export interface ServeRoot {
  /** URL prefix, starting and ending with '/', e.g. '/ort/'. */
  prefix: string;
  /** Directory served under that prefix. */
  dir: string;
}

export interface ServerOptions {
  roots: ServeRoot[];
  /** JSON endpoints by exact path ('/api/models'); each returns a JSON-able value. */
  api?: Record<string, (url: URL) => unknown | Promise<unknown>>;
  /**
   * Handlers tried after `api` and before the roots, in order, with the decoded path; each returns true when it
   * answered the request (runs-api.ts: the runs view's event stream and run figures).
   */
  routes?: ((req: http.IncomingMessage, res: http.ServerResponse, pathname: string, url: URL) => boolean | Promise<boolean>)[];
  /** What '/' serves (a path under one of the roots, e.g. '/app/index.html'). */
  index?: string;
  host?: string;
  port?: number;
  /** Called for each request with its status (for a one-line log). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

/** Headers on every response, errors included. */
export const ISOLATION_HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** An error an API handler throws to answer with that status (e.g. 400 for a bad query value) and its message. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** 'localhost', ::1 or an IPv4 address in 127.0.0.0/8 (written as one: '127.0.0.1.example' is a DNS name). */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/**
 * Whether a request's Host header names this server. A web page the user visits can make its own DNS name resolve
 * to 127.0.0.1 (DNS rebinding) and then read this server as same-origin; its requests carry that name, so only the
 * bound name (and for loopback binds the loopback names, for wildcard binds any IP literal) is answered.
 */
export function hostAllowed(header: string | undefined, bound: string, port: number): boolean {
  if (!header) return false;
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!m) return false;
  if ((m[2] === undefined ? 80 : Number(m[2])) !== port) return false;
  const name = m[1].toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const b = bound.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === b) return true;
  const wildcard = b === '0.0.0.0' || b === '::';
  if ((isLoopback(b) || wildcard) && (name === 'localhost' || isLoopback(name))) return true;
  return wildcard && net.isIP(name) !== 0;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const roots = opts.roots.map((r) => {
    if (!/^\/([^/]+\/)*$/.test(r.prefix)) throw new Error(`serve root prefix must start and end with '/', got ${JSON.stringify(r.prefix)}`);
    if (!fs.existsSync(r.dir) || !fs.statSync(r.dir).isDirectory()) throw new Error(`serve root ${r.prefix} -> ${r.dir} is not a directory`);
    return { prefix: r.prefix, dir: fs.realpathSync(r.dir) };
  });
  // Longest prefix first, so '/models/x/' could override '/models/' if ever configured.
  roots.sort((a, b) => b.prefix.length - a.prefix.length);

  let boundPort = opts.port ?? 8080;
  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, 'text/plain; charset=utf-8', `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const done = (status: number) => opts.log?.(`${status} ${req.method} ${req.url}`);
    if (!hostAllowed(req.headers.host, host, boundPort)) {
      send(res, 403, 'text/plain; charset=utf-8', `forbidden: Host ${JSON.stringify(req.headers.host ?? null)} is not this server (${host}:${boundPort})\n`);
      return done(403);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return done(405);
    }
    // Decode the raw path ourselves: WHATWG URL parsing would silently fold '..' segments away, and a request that
    // tries to climb out should be refused as such (403), not answered with some other file.
    const raw = (req.url ?? '/').split('?')[0];
    let pathname: string;
    let url: URL;
    try {
      pathname = decodeURIComponent(raw);
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      send(res, 400, 'text/plain; charset=utf-8', 'bad request path\n');
      return done(400);
    }
    if (!pathname.startsWith('/') || pathname.includes('\0') || pathname.includes('\\')) {
      send(res, 400, 'text/plain; charset=utf-8', 'bad request path\n');
      return done(400);
    }
    if (pathname === '/' && opts.index) pathname = opts.index;

    const api = opts.api?.[pathname];
    if (api) {
      try {
        const body = JSON.stringify(await api(url));
        send(res, 200, MIME['.json'], body, req.method === 'HEAD');
        return done(200);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        send(res, status, MIME['.json'], JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
        return done(status);
      }
    }

    for (const route of opts.routes ?? []) if (await route(req, res, pathname, url)) return done(res.statusCode);

    const file = resolveFile(pathname, roots);
    if (file === 'forbidden') {
      send(res, 403, 'text/plain; charset=utf-8', 'forbidden\n');
      return done(403);
    }
    if (!file) {
      send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      return done(404);
    }
    const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    const size = fs.statSync(file).size;
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': String(size) });
    if (req.method === 'HEAD') {
      res.end();
      return done(200);
    }
    await new Promise<void>((resolve, reject) => {
      const stream = fs.createReadStream(file);
      stream.on('error', reject);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
    done(200);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${opts.port} on ${host} is already in use; choose another with --port`));
      else if (err.code === 'ENOTFOUND' || err.code === 'EADDRNOTAVAIL' || err.code === 'EAI_AGAIN') reject(new Error(`cannot bind to host ${host}: ${err.code === 'EADDRNOTAVAIL' ? 'no interface of this machine has that address' : 'no such host name'} (${err.code}); the default is 127.0.0.1`));
      else reject(err);
    });
    server.listen(opts.port ?? 8080, host, () => resolve());
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('server did not bind to a TCP port');
  boundPort = addr.port;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${urlHost}:${addr.port}/`,
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The file a decoded URL path names, 'forbidden' when it would leave its root, or undefined when there is no such
 * file. Symlinks are resolved before the containment check, so a link pointing outside a root is refused too.
 */
export function resolveFile(pathname: string, roots: { prefix: string; dir: string }[]): string | 'forbidden' | undefined {
  const segments = pathname.split('/');
  if (segments.some((s) => s === '..')) return 'forbidden';
  const root = roots.find((r) => pathname.startsWith(r.prefix));
  if (!root) return undefined;
  const rel = pathname.slice(root.prefix.length);
  if (rel === '' || rel.split('/').some((s) => s.startsWith('.'))) return undefined; // no directory listings, no dotfiles
  const candidate = path.resolve(root.dir, rel);
  if (!within(candidate, root.dir)) return 'forbidden';
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    return undefined;
  }
  if (!within(real, root.dir)) return 'forbidden';
  return fs.statSync(real).isFile() ? real : undefined;
}

function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir + path.sep);
}

function send(res: http.ServerResponse, status: number, type: string, body: string, headOnly = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(headOnly ? undefined : body);
}
