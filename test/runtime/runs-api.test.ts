/**
 * The runs view's server side (runtime/runs-api.ts): states derived from what run folders hold, the event stream
 * that tails metrics.jsonl and lists figures, the figure route's refusals, read-only-ness, and how `dgm train`
 * finds the server (runtime/serve-discovery.ts).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { listRunInfos, runFigures, runsRoute } from '../../runtime/runs-api';
import { RUN_FILES, type RunStatusFile } from '../../runtime/run-files';
import { announceServer, findServer, runPageUrl } from '../../runtime/serve-discovery';
import { RunningServer, startServer } from '../../runtime/server';
import { BEST_FILE, CHECKPOINT_FILE, LOSS_PLOT_FILE, METRICS_FILE } from '../../training/harness/loop';
import { LOCK_FILE } from '../../training/harness/run-lock';
import { get } from './http-get';


/** An event-stream client that collects events and lets a test wait for one. */
function events(url: string): { list: { event: string; data: any }[]; until(pred: (e: { event: string; data: any }) => boolean, ms?: number): Promise<{ event: string; data: any }>; close(): void } {
  const list: { event: string; data: any }[] = [];
  const waiters: { pred: (e: { event: string; data: any }) => boolean; resolve: (e: { event: string; data: any }) => void }[] = [];
  let buf = '';
  const req = http.get(url, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const ev = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!ev || data === undefined) continue;
        const e = { event: ev, data: JSON.parse(data) };
        list.push(e);
        for (const w of [...waiters]) if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    });
  });
  req.on('error', () => {});
  return {
    list,
    until(pred, ms = 5000) {
      const seen = list.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no matching event in ${ms} ms; got ${JSON.stringify(list.map((e) => e.event))}`)), ms);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
    close: () => req.destroy(),
  };
}

const rec = (step: number, secondsAfter: number, start: number, v: Record<string, number>) => JSON.stringify({ type: 'train', step, epoch: step / 100, time: new Date(start + secondsAfter * 1000).toISOString(), ...v }) + '\n';

function status(over: Partial<RunStatusFile>): string {
  const s: RunStatusFile = { version: 1, kind: 'cgan', label: 'x', totalSteps: 100, stepsPerEpoch: 50, logEvery: 10, startStep: 0, startedAt: new Date(Date.now() - 60000).toISOString(), pid: 1, outcome: 'training', ...over };
  return JSON.stringify(s);
}

/** A checkpoint's preamble and header only (the runs view never reads further). */
function fakeCheckpoint(file: string, header: object): void {
  const json = Buffer.from(JSON.stringify(header));
  const pre = Buffer.alloc(12);
  pre.write('DGMCKPT1', 0, 'latin1');
  pre.writeUInt32LE(json.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, json]));
}

/** Every path under dir with its size and mtime: what "read-only" has to leave alone. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = fs.lstatSync(p);
      out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe('runs API', () => {
  let root: string;
  let runs: string;
  let server: RunningServer;
  const t0 = Date.now() - 30000;
  let deadPid: number;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-runs-api-'));
    runs = path.join(root, 'runs');
    const mk = (name: string, files: Record<string, string | Buffer>) => {
      fs.mkdirSync(path.join(runs, name), { recursive: true });
      for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(runs, name, f), c);
    };
    deadPid = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' }).stdout.trim() as unknown as number;
    deadPid = Number(deadPid);
    // 10 steps a second: steps 10..40 logged 1 s apart
    mk('a-training', {
      [RUN_FILES.lock]: `${process.pid}\n`,
      [RUN_FILES.status]: status({ startedAt: new Date(t0 - 1000).toISOString() }),
      [RUN_FILES.metrics]: [10, 20, 30, 40].map((s, i) => rec(s, i, t0, { d_loss: 1 / s, g_loss: 2 })).join(''),
      'samples-step000010.png': 'png10',
      'samples-step000020.png': 'png20',
      'samples.png': 'latest copy',
      [RUN_FILES.checkpoint]: 'x',
    });
    mk('h-moons', { 'samples-epoch001.png': 'png', 'samples-epoch001.svg': '<svg/>', [RUN_FILES.status]: status({ kind: 'maf-moons', stepsPerEpoch: 24, outcome: 'completed' }) });
    mk('b-finished', { [RUN_FILES.status]: status({ outcome: 'completed', step: 100 }), [RUN_FILES.metrics]: rec(100, 0, t0, { nll: 1 }), [LOSS_PLOT_FILE]: '<svg/>' });
    mk('c-interrupted', { [RUN_FILES.status]: status({ outcome: 'interrupted', step: 30, resumeCommand: 'dgm train cgan --steps 100 --resume' }), [RUN_FILES.checkpoint]: 'x' });
    mk('d-crashed', { [RUN_FILES.lock]: `${deadPid}\n`, [RUN_FILES.status]: status({}), [RUN_FILES.checkpoint]: 'x' });
    mk('e-legacy', {});
    fakeCheckpoint(path.join(runs, 'e-legacy', RUN_FILES.checkpoint), { format: 1, kind: 'maf', meta: { run: 'maf-moons' }, step: 5 });
    mk('f-legacy-done', { [RUN_FILES.summary]: JSON.stringify({ model: 'gan', status: 'completed' }) });
    mk('g-diverged', { [RUN_FILES.status]: status({ outcome: 'diverged', step: 12 }) });
    mk('.hidden', { [RUN_FILES.status]: status({}) });
    fs.writeFileSync(path.join(root, 'secret.png'), 'SECRET');
    fs.mkdirSync(path.join(root, 'outside'));
    fs.writeFileSync(path.join(root, 'outside', 'samples-step000001.png'), 'SECRET');
    fs.symlinkSync(path.join(root, 'outside'), path.join(runs, 'linked'));
    fs.symlinkSync(path.join(root, 'secret.png'), path.join(runs, 'a-training', 'samples-step000099.png'));
    server = await startServer({ roots: [], routes: [runsRoute({ runsDir: runs, heartbeatMs: 1000, settleMs: 50 })], api: { '/api/runs': () => listRunInfos(runs) }, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the harness writes the files under the names the server reads', () => {
    expect([RUN_FILES.metrics, RUN_FILES.checkpoint, RUN_FILES.best, RUN_FILES.lock, RUN_FILES.lossPlot]).toEqual([METRICS_FILE, CHECKPOINT_FILE, BEST_FILE, LOCK_FILE, LOSS_PLOT_FILE]);
  });

  test('every run with its model, step, speed, ETA and a state derived from lock, run.json, checkpoint and summary', async () => {
    const r = await get(server.url, '/api/runs');
    expect(r.status).toBe(200);
    const infos = JSON.parse(r.body) as ReturnType<typeof listRunInfos>;
    const by = Object.fromEntries(infos.map((i) => [i.name, i]));
    expect(Object.keys(by)).toEqual(['a-training', 'b-finished', 'c-interrupted', 'd-crashed', 'e-legacy', 'f-legacy-done', 'g-diverged', 'h-moons']); // no dotfolder, no symlink out
    expect(by['a-training']).toMatchObject({ model: 'cgan', state: 'training', step: 40, totalSteps: 100, figures: 2 }); // the symlink out of runs/ is not a figure; samples.png is a copy
    expect(by['a-training'].stepsPerSecond).toBeCloseTo(10, 6); // (40 - 10) steps in 3 s
    expect(by['a-training'].etaSeconds).toBeCloseTo(6, 6); // 60 steps left at 10/s
    expect(by['b-finished']).toMatchObject({ state: 'finished', step: 100, etaSeconds: null });
    expect(by['c-interrupted']).toMatchObject({ state: 'interrupted', step: 30, note: 'resumable: dgm train cgan --steps 100 --resume' });
    expect(by['d-crashed'].state).toBe('interrupted'); // run.json still says training, but its lock's process is gone
    expect(by['d-crashed'].note).toContain('ended without saying why');
    expect(by['e-legacy']).toMatchObject({ state: 'stopped', model: 'maf-moons' });
    expect(by['f-legacy-done']).toMatchObject({ state: 'finished', model: 'gan' });
    expect(by['g-diverged'].state).toBe('diverged');
  });

  test('a figure written as PNG and as titled SVG is listed once, as the SVG; epochs become steps', () => {
    const figs = runFigures(runs, 'h-moons', JSON.parse(fs.readFileSync(path.join(runs, 'h-moons', RUN_FILES.status), 'utf8')));
    expect(figs.map((f) => [f.file, f.label, f.step])).toEqual([['samples-epoch001.svg', 'epoch 1', 24]]);
  });

  test('figures and loss.svg are served from runs/; anything else, anything outside, dotfiles and symlinks out are refused', async () => {
    const ok = await get(server.url, '/runs/a-training/samples-step000010.png');
    expect([ok.status, ok.body, ok.headers['content-type']]).toEqual([200, 'png10', 'image/png']);
    expect(ok.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect((await get(server.url, '/runs/b-finished/loss.svg')).status).toBe(200);
    expect((await get(server.url, '/runs/a-training/checkpoint.ckpt')).status).toBe(404); // not a figure
    expect((await get(server.url, '/runs/a-training/metrics.jsonl')).status).toBe(404); // streamed, not served
    expect((await get(server.url, '/runs/a-training/.lock')).status).toBe(404);
    for (const bad of ['/runs/../secret.png', '/runs/a-training/../../secret.png', '/runs/%2e%2e/secret.png', '/runs/a-training/%2E%2E/%2E%2E/secret.png', '/runs/..%2fsecret.png']) {
      const r = await get(server.url, bad);
      expect([bad, r.status]).toEqual([bad, 403]);
      expect(r.body).not.toContain('SECRET');
    }
    for (const link of ['/runs/a-training/samples-step000099.png', '/runs/linked/samples-step000001.png']) {
      const r = await get(server.url, link);
      expect([link, r.status]).toEqual([link, 403]);
      expect(r.body).not.toContain('SECRET');
    }
    expect((await get(server.url, '/runs/a-training/samples-step000010.png', 'POST')).status).toBe(405);
  });

  test('the event stream tails metrics.jsonl, follows figures, starts over when the log is replaced, and writes nothing', async () => {
    const before = snapshot(runs);
    const s = events(`${server.url}api/runs/events?run=a-training&run=nope`);
    try {
      await s.until((e) => e.event === 'problem' && e.data.message.includes('"nope"'));
      const first = await s.until((e) => e.event === 'metrics');
      expect(first.data).toMatchObject({ run: 'a-training', reset: true });
      expect(first.data.records.map((r: { step: number }) => r.step)).toEqual([10, 20, 30, 40]);
      const figs = await s.until((e) => e.event === 'figures');
      // newest first (by time written); samples.png, a copy of the newest, is not listed; the symlink out is not a file
      expect(figs.data.figures.map((f: { label: string }) => f.label).sort()).toEqual(['step 10', 'step 20']);
      expect((await s.until((e) => e.event === 'runs')).data.map((r: { name: string }) => r.name)).toContain('a-training');
      expect(snapshot(runs)).toEqual(before);

      // an append, written in two pieces like a torn write: only the new record arrives, once, whole
      const m = path.join(runs, 'a-training', RUN_FILES.metrics);
      const line = rec(50, 4, t0, { d_loss: 0.02, g_loss: 2 });
      fs.appendFileSync(m, line.slice(0, 20));
      await new Promise((r) => setTimeout(r, 200));
      fs.appendFileSync(m, line.slice(20));
      const next = await s.until((e) => e.event === 'metrics' && e.data.records.some((r: { step: number }) => r.step === 50));
      expect(next.data.reset).toBe(false);
      expect(next.data.records.map((r: { step: number }) => r.step)).toEqual([50]);
      expect(s.list.filter((e) => e.event === 'metrics').flatMap((e) => e.data.records.map((r: { step: number }) => r.step))).toEqual([10, 20, 30, 40, 50]);

      fs.writeFileSync(path.join(runs, 'a-training', 'samples-step000050.png'), 'png50');
      const more = await s.until((e) => e.event === 'figures' && e.data.figures.length === 3);
      expect(more.data.figures[0]).toMatchObject({ label: 'step 50', step: 50, url: '/runs/a-training/samples-step000050.png' });

      // a resume truncates the log by writing a new file over it: the stream says reset and sends it whole
      const tmp = m + '.new';
      fs.writeFileSync(tmp, rec(10, 0, t0, { d_loss: 1, g_loss: 2 }) + rec(20, 1, t0, { d_loss: 0.5, g_loss: 2 }));
      fs.renameSync(tmp, m);
      const reset = await s.until((e) => e.event === 'metrics' && e.data.reset === true && e.data.records.length === 2);
      expect(reset.data.records.map((r: { step: number }) => r.step)).toEqual([10, 20]);
    } finally {
      s.close();
    }
  });

  test('dgm train finds a live dgm serve for its runs folder, and only a live one', async () => {
    const prev = process.env.DGM_STATE_DIR;
    process.env.DGM_STATE_DIR = path.join(root, 'state');
    try {
      expect(await findServer(runs)).toBeNull();
      const remove = announceServer(runs, server.url);
      expect(await findServer(runs)).toBe(server.url);
      expect(await findServer(path.join(root, 'other-runs'))).toBeNull();
      expect(runPageUrl(server.url, 'a b')).toBe(`${server.url}#runs/a%20b`);
      remove();
      expect(await findServer(runs)).toBeNull();
      // a stale announcement (its process is gone) is ignored
      const stale = announceServer(runs, server.url);
      const file = fs.readdirSync(process.env.DGM_STATE_DIR).map((f) => path.join(process.env.DGM_STATE_DIR!, f))[0];
      fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), pid: deadPid }));
      expect(await findServer(runs)).toBeNull();
      stale();
    } finally {
      if (prev === undefined) delete process.env.DGM_STATE_DIR;
      else process.env.DGM_STATE_DIR = prev;
    }
  });
});
