import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { queryOf } from '../../runtime/app-server';
import { hostAllowed, HttpError, isLoopback, ISOLATION_HEADERS, RunningServer, startServer } from '../../runtime/server';
import { get } from './http-get';


describe('dgm serve: static server', () => {
  let dir: string;
  let server: RunningServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-serve-'));
    fs.mkdirSync(path.join(dir, 'pub', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pub', 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(dir, 'pub', 'mod.mjs'), 'export const a = 1;');
    fs.writeFileSync(path.join(dir, 'pub', 'sub', 'k.wasm'), Buffer.from([0, 97, 115, 109]));
    fs.writeFileSync(path.join(dir, 'pub', '.hidden'), 'no');
    fs.writeFileSync(path.join(dir, 'secret.txt'), 'SECRET');
    fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(dir, 'pub', 'link.txt'));
    server = await startServer({
      roots: [{ prefix: '/p/', dir: path.join(dir, 'pub') }],
      index: '/p/index.html',
      api: {
        '/api/ping': () => ({ pong: true }),
        '/api/echo': (url) => {
          const q = queryOf(url, ['k']);
          if (q.k !== undefined && !/^\d+$/.test(q.k)) throw new HttpError(400, `query value k must be an integer, got ${JSON.stringify(q.k)}`);
          return q;
        },
      },
      port: 0,
    });
  });

  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('binds to loopback by default', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('serves files with the right MIME type and isolation headers', async () => {
    const idx = await get(server.url, '/');
    expect(idx.status).toBe(200);
    expect(idx.headers['content-type']).toBe('text/html; charset=utf-8');
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) expect(idx.headers[k.toLowerCase()]).toBe(v);
    expect(idx.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(idx.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const mjs = await get(server.url, '/p/mod.mjs');
    expect(mjs.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(mjs.body).toBe('export const a = 1;');
    const wasm = await get(server.url, '/p/sub/k.wasm');
    expect(wasm.headers['content-type']).toBe('application/wasm');
    expect(wasm.body).toBe('\0asm');
    const api = await get(server.url, '/api/ping');
    expect(JSON.parse(api.body)).toEqual({ pong: true });
    expect(api.headers['cross-origin-embedder-policy']).toBe('require-corp');
    const head = await get(server.url, '/p/mod.mjs', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  test('refuses path traversal in every spelling, symlinks out of the root, dotfiles and other methods', async () => {
    for (const p of ['/p/../secret.txt', '/p/%2e%2e/secret.txt', '/p/..%2fsecret.txt', '/p/sub/..%2f..%2fsecret.txt', '/p/%2E%2E/%2E%2E/etc/passwd']) {
      const r = await get(server.url, p);
      expect({ p, status: r.status }).toEqual({ p, status: 403 });
      expect(r.body).not.toContain('SECRET');
      expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    }
    const link = await get(server.url, '/p/link.txt');
    expect(link.status).toBe(403);
    expect(link.body).not.toContain('SECRET');
    for (const p of ['/p/.hidden', '/p/', '/p/sub', '/secret.txt', '/p/nope.js', '/etc/passwd']) {
      const r = await get(server.url, p);
      expect({ p, status: r.status }).toEqual({ p, status: 404 });
    }
    expect((await get(server.url, '/p/%00x')).status).toBe(400);
    expect((await get(server.url, '/p/..\\secret.txt')).status).toBe(400);
    expect((await get(server.url, '/p/%E0%A4%A')).status).toBe(400);
    const post = await get(server.url, '/p/mod.mjs', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  test('answers only requests whose Host names this server (DNS rebinding), 403 otherwise', async () => {
    const port = server.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`]) {
      expect({ host, status: (await get(server.url, '/api/ping', 'GET', { Host: host })).status }).toEqual({ host, status: 200 });
    }
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.:${port}`, `[::1`, `a b:${port}`]) {
      const r = await get(server.url, '/api/ping', 'GET', { Host: host });
      expect({ host, status: r.status }).toEqual({ host, status: 403 });
      expect(r.body).toContain(JSON.stringify(host));
      expect(r.body).not.toContain('pong');
      const f = await get(server.url, '/p/index.html', 'GET', { Host: host });
      expect(f.status).toBe(403);
    }
    // Which names count, for other binds.
    expect(hostAllowed('myhost.lan:80', 'myhost.lan', 80)).toBe(true);
    expect(hostAllowed('localhost:80', 'myhost.lan', 80)).toBe(false);
    expect(hostAllowed('192.168.1.9:8080', '0.0.0.0', 8080)).toBe(true);
    expect(hostAllowed('evil.example:8080', '0.0.0.0', 8080)).toBe(false);
    expect(hostAllowed(undefined, '127.0.0.1', 8080)).toBe(false);
  });

  test('loopback means localhost, ::1 or 127.0.0.0/8 written as an address', () => {
    for (const h of ['127.0.0.1', '127.3.4.5', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect({ h, loop: isLoopback(h) }).toEqual({ h, loop: true });
    for (const h of ['127.0.0.1.example', '127.evil.example', '127.1', '0.0.0.0', '10.0.0.1', 'localhost.example', '::']) expect({ h, loop: isLoopback(h) }).toEqual({ h, loop: false });
  });

  test('bad query values get 400 with a message naming them; oversized headers 431', async () => {
    expect(JSON.parse((await get(server.url, '/api/echo?k=12')).body)).toEqual({ k: '12' });
    for (const [q, msg] of [['k=1e3', 'query value k must be an integer, got "1e3"'], ['x=1', 'unknown query parameter "x" for /api/echo (it takes k)'], ['k=1&k=2', 'query parameter "k" given twice']]) {
      const r = await get(server.url, `/api/echo?${q}`);
      expect({ q, status: r.status, body: JSON.parse(r.body) }).toEqual({ q, status: 400, body: { error: msg } });
    }
    const big = await get(server.url, '/api/ping', 'GET', { 'X-Big': 'a'.repeat(20000) });
    expect(big.status).toBe(431);
  });

  test('a host that is no address of this machine is a clear error', async () => {
    await expect(startServer({ roots: [], host: '127.0.0.1.example', port: 0 })).rejects.toThrow(/^cannot bind to host 127\.0\.0\.1\.example: no such host name \((ENOTFOUND|EAI_AGAIN)\)/);
  });

  test('a busy port is a clear error', async () => {
    await expect(startServer({ roots: [], port: server.port })).rejects.toThrow(/port \d+ on 127\.0\.0\.1 is already in use/);
  });
});
