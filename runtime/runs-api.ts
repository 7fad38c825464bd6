/**
 * The runs view's side of `dgm serve`: what is under runs/, read-only.
 *
 *   GET /api/runs                     [RunInfo]: every run with its model, step, steps/s, ETA and state
 *   GET /api/runs/events?run=a&run=b  server-sent events: `runs` (the list, when it changes), and for each named
 *                                     run `metrics` ({ run, reset, records }: metrics.jsonl tailed from where the
 *                                     last event ended) and `figures` ({ run, figures }: its sample grids)
 *   GET /runs/<run>/<figure>          a sample figure (samples-*.png|svg) or loss.svg of a run, nothing else
 *
 * The stream follows the files with fs.watch (inotify here) on runs/ and on each run folder, coalescing bursts of
 * changes; a slow heartbeat catches what no file event announces (a trainer killed without removing its lock).
 * Nothing here writes under runs/. Figure paths go through server.ts's resolveFile: '..' in any spelling, dotfiles
 * and symlinks out of runs/ are refused as for every other root.
 *
 * State, from what the folder holds: `training` while .lock names a live process; else run.json's outcome
 * (completed or stopped early: `finished`; `interrupted`: resumable from checkpoint.ckpt; `diverged`); a run.json
 * still saying it trains, without a live lock, crashed: `interrupted` when a checkpoint exists, else `failed`.
 * Runs written before run.json existed: `finished` when summary.json says so, else `stopped` with a checkpoint.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { RUN_FILES, SAMPLE_FIGURE, type RunInfo, type RunState, type RunStatusFile } from './run-files';

export type { RunInfo, RunState } from './run-files';
import { ISOLATION_HEADERS, MIME, resolveFile, type ServeRoot } from './server';
import { processAlive } from './process-alive';

/** The chart library's folders (their UMD builds are what the page loads, and what training/harness/vega.ts runs). */
export function chartLibraryDir(pkg: 'vega' | 'vega-lite'): string {
  // Both packages export only their ES module entry, build/<x>.js; the UMD builds sit beside it.
  return path.dirname(require.resolve(pkg));
}

/** /vendor/vega/ and /vendor/vega-lite/: the page loads vega.min.js and vega-lite.min.js from them, no bundler. */
export function chartLibraryRoots(): ServeRoot[] {
  return (['vega', 'vega-lite'] as const).map((pkg) => ({ prefix: `/vendor/${pkg}/`, dir: chartLibraryDir(pkg) }));
}


export interface RunFigure {
  file: string;
  url: string;
  /** 'step 50', 'epoch 3', 'final', 'best'. */
  label: string;
  /** The step it shows, when its name says (epochs are converted with run.json's steps per epoch). */
  step: number | null;
  mtimeMs: number;
}

interface Line {
  type?: string;
  step?: number;
  epoch?: number;
  time?: string;
  [k: string]: unknown;
}

const RUN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
/** Bytes of metrics.jsonl read from its end to describe a run in the list. */
const TAIL_BYTES = 16384;
/** Longest checkpoint header read to learn a legacy run's model. */
const MAX_HEADER = 1 << 22;

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}


function lockOwner(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, RUN_FILES.lock), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The model named in a checkpoint's JSON header (layout: training/harness/checkpoint.ts), without reading its tensors. */
export function checkpointKind(file: string): string | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const pre = Buffer.alloc(12);
    if (fs.readSync(fd, pre, 0, 12, 0) !== 12 || pre.toString('latin1', 0, 8) !== 'DGMCKPT1') return null;
    const len = pre.readUInt32LE(8);
    if (len > MAX_HEADER) return null;
    const head = Buffer.alloc(len);
    if (fs.readSync(fd, head, 0, len, 12) !== len) return null;
    // meta.run names the model where one kind serves several (maf-moons and maf-fmnist are both kind 'maf').
    const h = JSON.parse(head.toString('utf8')) as { kind?: unknown; meta?: { run?: unknown } };
    const name = typeof h.meta?.run === 'string' ? h.meta.run : h.kind;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Complete JSON lines of the end of a metrics file (the first, possibly cut, line of the window is dropped). */
function tailRecords(file: string): Line[] {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    fs.readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (start > 0) lines.shift();
    return parseLines(lines);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function parseLines(lines: readonly string[]): Line[] {
  const out: Line[] = [];
  for (const l of lines) {
    if (!l.trim()) continue;
    try {
      const r = JSON.parse(l) as Line;
      if (r && typeof r === 'object' && typeof r.step === 'number') out.push(r);
    } catch {
      // a torn line (the trainer is mid-append): the next read sees it whole
    }
  }
  return out;
}

/** Steps per second over the last `k` train records at or after `since` (one session: a resume restarts the clock). */
export function recentRate(records: readonly Line[], since: string | undefined, k = 10): number | null {
  const t0 = since ? Date.parse(since) : -Infinity;
  const train = records.filter((r) => r.type === 'train' && typeof r.time === 'string' && Date.parse(r.time) >= t0).slice(-k);
  if (train.length < 2) return null;
  const a = train[0], b = train[train.length - 1];
  const dt = (Date.parse(b.time!) - Date.parse(a.time!)) / 1000;
  return dt > 0 ? (b.step! - a.step!) / dt : null;
}

export function runFigures(runsDir: string, name: string, status: RunStatusFile | null = null): RunFigure[] {
  const dir = path.join(runsDir, name);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const set = new Set(names);
  const out: RunFigure[] = [];
  for (const file of names) {
    const m = SAMPLE_FIGURE.exec(file);
    if (!m) continue;
    // maf-moons writes each figure twice: the PNG panels, and the same panels titled with axes as SVG. Show the SVG.
    if (file.endsWith('.png') && set.has(file.replace(/\.png$/, '.svg'))) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(dir, file));
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    const step = m[2] !== undefined ? Number(m[2]) : m[3] !== undefined && status ? Number(m[3]) * status.stepsPerEpoch : null;
    const label = m[2] !== undefined ? `step ${Number(m[2])}` : m[3] !== undefined ? `epoch ${Number(m[3])}` : m[1];
    out.push({ file, url: `/runs/${encodeURIComponent(name)}/${encodeURIComponent(file)}`, label, step, mtimeMs: st.mtimeMs });
  }
  // Newest first: by step where names say it, else by time written.
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || (b.step ?? 0) - (a.step ?? 0) || b.file.localeCompare(a.file));
}

export function describeRun(runsDir: string, name: string): RunInfo {
  const dir = path.join(runsDir, name);
  const status = readJson<RunStatusFile>(path.join(dir, RUN_FILES.status));
  const summary = readJson<{ model?: string; status?: string; steps?: number }>(path.join(dir, RUN_FILES.summary));
  const hasCheckpoint = fs.existsSync(path.join(dir, RUN_FILES.checkpoint));
  const records = tailRecords(path.join(dir, RUN_FILES.metrics));
  const last = records[records.length - 1];
  const owner = lockOwner(dir);
  const model = status?.kind ?? summary?.model ?? (hasCheckpoint ? checkpointKind(path.join(dir, RUN_FILES.checkpoint)) : null);
  const step = Math.max(last?.step ?? -1, status?.step ?? -1, status && owner ? status.startStep : -1);
  const totalSteps = status?.totalSteps ?? null;
  const rate = recentRate(records, status?.startedAt);
  const resume = status?.resumeCommand ?? 'the same dgm train command with --resume';

  let state: RunState;
  let note = '';
  if (owner !== null) {
    state = 'training';
    note = `process ${owner}`;
  } else if (status) {
    switch (status.outcome) {
      case 'completed':
      case 'stopped-early':
        state = 'finished';
        note = status.outcome === 'stopped-early' ? 'stopped early (no improvement)' : '';
        break;
      case 'diverged':
        state = 'diverged';
        note = 'a loss became NaN or infinite';
        break;
      case 'interrupted':
        state = 'interrupted';
        note = `resumable: ${resume}`;
        break;
      default:
        state = hasCheckpoint ? 'interrupted' : 'failed';
        note = hasCheckpoint ? `its process ended without saying why; resumable from the last checkpoint: ${resume}` : 'its process ended before the first checkpoint';
    }
  } else if (summary?.status === 'completed') {
    state = 'finished';
  } else if (hasCheckpoint) {
    state = 'stopped';
    note = 'has a checkpoint (continue with --resume)';
  } else {
    state = 'empty';
  }
  return {
    name,
    model,
    state,
    note,
    step: step >= 0 ? step : null,
    totalSteps,
    epoch: typeof last?.epoch === 'number' ? last.epoch : null,
    stepsPerSecond: rate,
    etaSeconds: state === 'training' && rate && totalSteps !== null && step >= 0 ? Math.max(0, totalSteps - step) / rate : null,
    updated: typeof last?.time === 'string' ? last.time : null,
    figures: runFigures(runsDir, name, status).length,
  };
}

/** Run folders: real directories (not symlinks, not dotfiles) directly under runsDir with a plain name. */
export function runNames(runsDir: string): string[] {
  try {
    return fs
      .readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && RUN_NAME.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export function listRunInfos(runsDir: string): RunInfo[] {
  return runNames(runsDir).map((n) => describeRun(runsDir, n));
}

/** Follows one metrics.jsonl: what was appended since the last read, or all of it again when it was replaced. */
class MetricsTail {
  private offset = 0;
  private ino = -1;
  private rest = '';
  private started = false;
  constructor(private readonly file: string) {}

  /** null when nothing changed; `reset` on the first read and whenever the file was replaced or removed. */
  read(): { reset: boolean; records: Line[] } | null {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(this.file);
    } catch {
      // not there (yet, or any more)
    }
    let reset = !this.started;
    this.started = true;
    // A resume truncates the log by writing a new file over it (training/harness/metrics-log.ts): start over.
    if (!st || st.ino !== this.ino || st.size < this.offset) {
      if (this.ino !== -1) reset = true;
      this.ino = st ? st.ino : -1;
      this.offset = 0;
      this.rest = '';
    }
    if (!st || st.size === this.offset) return reset ? { reset, records: [] } : null;
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(st.size - this.offset);
      const n = fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset += n;
      const lines = (this.rest + buf.toString('utf8', 0, n)).split('\n');
      this.rest = lines.pop() ?? '';
      return { reset, records: parseLines(lines) };
    } finally {
      fs.closeSync(fd);
    }
  }
}

export interface RunsRouteOptions {
  runsDir: string;
  /** Heartbeat: re-describe the runs and ping the stream (default 5000 ms). */
  heartbeatMs?: number;
  /** Coalesce file events for this long before reading (default 150 ms). */
  settleMs?: number;
}

/** The request handler for /api/runs/events and /runs/...: true when it answered the request. */
export function runsRoute(opts: RunsRouteOptions): (req: http.IncomingMessage, res: http.ServerResponse, pathname: string, url: URL) => boolean {
  const runsDir = path.resolve(opts.runsDir);
  const roots = () => (fs.existsSync(runsDir) ? [{ prefix: '/runs/', dir: fs.realpathSync(runsDir) }] : []);
  return (req, res, pathname, url) => {
    if (pathname === '/api/runs/events') {
      streamRuns(req, res, runsDir, url.searchParams.getAll('run'), opts);
      return true;
    }
    if (!pathname.startsWith('/runs/')) return false;
    const parts = pathname.slice('/runs/'.length).split('/');
    const allowed = parts.length === 2 && RUN_NAME.test(parts[0]) && (SAMPLE_FIGURE.test(parts[1]) || parts[1] === RUN_FILES.lossPlot);
    const file = resolveFile(pathname, roots());
    if (file === 'forbidden' || parts.includes('..')) return plain(res, 403, 'forbidden\n');
    if (!allowed || !file) return plain(res, 404, 'not found\n');
    const body = fs.readFileSync(file);
    res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': String(body.length) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

function plain(res: http.ServerResponse, status: number, body: string): true {
  res.writeHead(status, { ...ISOLATION_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
  return true;
}

function streamRuns(req: http.IncomingMessage, res: http.ServerResponse, runsDir: string, wanted: string[], opts: RunsRouteOptions): void {
  res.writeHead(200, { ...ISOLATION_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const selected = [...new Set(wanted)].filter((n) => {
    const ok = RUN_NAME.test(n) && runNames(runsDir).includes(n);
    if (!ok) send('problem', { message: `no run named ${JSON.stringify(n)} under the runs folder` });
    return ok;
  });
  const tails = new Map(selected.map((n) => [n, new MetricsTail(path.join(runsDir, n, RUN_FILES.metrics))]));
  const lastFigures = new Map<string, string>();
  let lastList = '';
  const watchers = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const watch = (dir: string) => {
    if (watchers.has(dir)) return;
    try {
      const w = fs.watch(dir, { persistent: false }, () => schedule());
      w.on('error', () => {
        w.close();
        watchers.delete(dir);
      });
      watchers.set(dir, w);
    } catch {
      // the folder is gone or unreadable: the heartbeat still describes it
    }
  };

  const flush = () => {
    timer = undefined;
    if (closed) return;
    const names = runNames(runsDir);
    if (fs.existsSync(runsDir)) watch(runsDir);
    for (const n of names) watch(path.join(runsDir, n));
    const list = JSON.stringify(names.map((n) => describeRun(runsDir, n)));
    if (list !== lastList) {
      lastList = list;
      res.write(`event: runs\ndata: ${list}\n\n`);
    }
    for (const [n, tail] of tails) {
      const got = tail.read();
      if (got && (got.reset || got.records.length)) send('metrics', { run: n, ...got });
      const status = readJson<RunStatusFile>(path.join(runsDir, n, RUN_FILES.status));
      const figures = JSON.stringify(runFigures(runsDir, n, status));
      if (figures !== lastFigures.get(n)) {
        lastFigures.set(n, figures);
        res.write(`event: figures\ndata: {"run":${JSON.stringify(n)},"figures":${figures}}\n\n`);
      }
    }
  };
  const schedule = () => {
    if (!timer && !closed) timer = setTimeout(flush, opts.settleMs ?? 150);
  };
  const heartbeat = setInterval(() => {
    res.write(': ping\n\n');
    schedule();
  }, opts.heartbeatMs ?? 5000);

  const close = () => {
    closed = true;
    clearInterval(heartbeat);
    if (timer) clearTimeout(timer);
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
  req.on('close', close);
  res.on('close', close);
  flush();
}
