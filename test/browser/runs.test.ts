/**
 * @jest-environment ./test/export/ort-environment.js
 *
 * The runs view end to end, in Debian Chromium: `dgm serve`'s app server on an empty runs folder, then a real
 * `dgm train cgan --steps 200` started by the test (the built CLI, one wasm thread, a metrics record every 5 steps
 * and a sample grid every 20 so the view has something new every few seconds). The trainer prints the page's
 * address; the run appears in the list as training, its loss curves grow while it trains, its grids appear with a
 * step slider, and the chart axes carry the metric names. A screenshot goes to reports/screenshots/runs.png.
 * A second run of the same model (a finished fixture) overlays on the same panels. Then Ctrl-C: the trainer saves a checkpoint and the view shows the run interrupted and resumable. The test does
 * not wait for the 200 steps: what it checks happens in the first ~110.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { startAppServer } from '../../runtime/app-server';
import { projectRoot } from '../../runtime/paths';
import { RunningServer } from '../../runtime/server';
import { launchChromium, watchConsole } from './chromium';

export const RUNS_SCREENSHOT = path.join(projectRoot(), 'reports', 'screenshots', 'runs.png');
const ROOT = projectRoot();

/** The CLI the test starts is the built one (bin/dgm.js -> dist/): rebuild it when a source is newer. */
function ensureBuiltCli(): void {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  let newest = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of ['cli', 'training', 'runtime']) walk(path.join(ROOT, d));
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
}

const attr = (page: Page, selector: string, name: string) => page.evaluate(({ s, n }) => document.querySelector(s)?.getAttribute(n) ?? null, { s: selector, n: name });

describe('runs view', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'dgm-runs-view-'));
  const runs = path.join(root, 'runs');
  const env = { ...process.env, DGM_STATE_DIR: path.join(root, 'state') };
  let server: RunningServer;
  let browser: Browser;
  let trainer: ChildProcess | undefined;
  let out = '';

  beforeAll(async () => {
    ensureBuiltCli();
    fs.mkdirSync(runs);
    fs.mkdirSync(path.join(root, 'models'));
    process.env.DGM_STATE_DIR = env.DGM_STATE_DIR; // where the server announces itself (serve-discovery.ts)
    server = await startAppServer({ modelsDir: path.join(root, 'models'), runsDir: runs, port: 0, log: () => {} });
    browser = await launchChromium();
  });

  afterAll(async () => {
    if (trainer && trainer.exitCode === null) trainer.kill('SIGKILL');
    await browser?.close();
    await server?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('a run started during the test appears, its curves grow, its grids appear; Ctrl-C leaves it resumable', async () => {
    const page = await browser.newPage({ viewport: { width: 1500, height: 760 } });
    const problems = watchConsole(page);
    await page.goto(`${server.url}#runs`);
    await page.waitForSelector('#runs-table td.muted');
    expect(await page.textContent('#runs-table tbody')).toContain('no runs under the runs folder yet');

    const args = ['bin/dgm.js', 'train', 'cgan', '--steps', '200', '--log-every', '5', '--set', 'gridEvery=20', '--threads', '1', '--progress', 'lines', '--run-dir', path.join(runs, 'cgan')];
    trainer = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    trainer.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    trainer.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => trainer!.on('exit', (code) => resolve(code)));

    // The trainer found the server and printed the page's address for the run.
    const t0 = Date.now();
    while (!out.includes('watch this run at') && Date.now() - t0 < 60000 && trainer.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain(`dgm serve is up: watch this run at ${server.url}#runs/cgan\n`);

    // The run appears as training and is selected (nothing else was asked for).
    await page.waitForSelector('#runs-table tr[data-run="cgan"][data-state="training"]', { timeout: 60000 });
    // (the model is known once the loop starts and writes run.json, after the data has loaded)
    await page.waitForFunction(() => document.querySelector('#runs-table tr[data-run="cgan"] td:nth-child(3)')?.textContent === 'cgan', undefined, { timeout: 60000 });

    // Its loss curves grow while it trains: more points later than at first sight.
    await page.waitForSelector('#runs-panels .panel[data-kind="loss"][data-state="done"]', { timeout: 90000 });
    const first = Number(await attr(page, '.panel[data-kind="loss"]', 'data-points'));
    expect(first).toBeGreaterThanOrEqual(2);
    await page.waitForFunction((n) => Number(document.querySelector('.panel[data-kind="loss"]')?.getAttribute('data-points')) >= n + 8, first, { timeout: 90000 });
    const later = Number(await attr(page, '.panel[data-kind="loss"]', 'data-points'));
    expect(later).toBeGreaterThan(first);

    // Its grids appear, newest first, with a step slider over them.
    await page.waitForFunction(() => Number(document.querySelector('.figures[data-run="cgan"]')?.getAttribute('data-count')) >= 2, undefined, { timeout: 90000 });
    await page.waitForFunction(() => {
      const img = document.querySelector('.figures[data-run="cgan"] img.grid-image') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const newest = await attr(page, '.figures[data-run="cgan"] img.grid-image', 'data-file');
    expect(newest).toMatch(/^samples-step\d{6}\.png$/);
    expect(await page.textContent('.figures[data-run="cgan"] .figure-label')).toMatch(/^step \d+ \(newest\) · \d+ grids$/);
    await page.$eval('.figures[data-run="cgan"] .step-slider', (s: HTMLInputElement) => {
      s.value = '0';
      s.dispatchEvent(new Event('input'));
    });
    expect(await attr(page, '.figures[data-run="cgan"] img.grid-image', 'data-file')).toBe('samples-step000020.png');

    // The axes carry the metric names: one panel for the losses, one for the discriminator's outputs.
    await page.waitForFunction(() => Number(document.querySelector('.panel[data-kind="loss"]')?.getAttribute('data-points')) >= 8);
    const lossText = await page.textContent('.panel[data-kind="loss"] svg');
    expect(lossText).toContain('d_loss, g_loss');
    expect(lossText).toContain('step');
    expect(await page.textContent('.panel[data-kind="fraction"] svg')).toContain('d_fake, d_real');
    // The log toggle redraws the panel on a log axis (losses here are positive: a true log scale).
    await page.check('.panel[data-kind="loss"] .log-toggle');
    await page.waitForFunction(() => document.querySelector('.panel[data-kind="loss"] svg')?.textContent?.includes('d_loss, g_loss (log)'));
    await page.uncheck('.panel[data-kind="loss"] .log-toggle');
    await page.waitForFunction(() => !document.querySelector('.panel[data-kind="loss"] svg')?.textContent?.includes('(log)'));
    // Steps, speed and ETA in the list while it trains.
    const row = await page.$$eval('#runs-table tr[data-run="cgan"] td', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(row[4]).toMatch(/^\d+ \/ 200$/);
    expect(row[5]).toMatch(/^\d+\.\d\d$/);
    expect(row[6]).toMatch(/^(\d+m)?\d+s$/);

    // Back to following the newest grid; let the run reach step 100 (a curve worth looking at), then the picture.
    await page.$eval('.figures[data-run="cgan"] .step-slider', (s: HTMLInputElement) => {
      s.value = s.max;
      s.dispatchEvent(new Event('input'));
    });
    await page.waitForFunction(() => Number(document.querySelector('#runs-table tr[data-run="cgan"]')?.getAttribute('data-step')) >= 100, undefined, { timeout: 120000 });
    await page.waitForFunction(() => Number(document.querySelector('.panel[data-kind="loss"]')?.getAttribute('data-points')) >= 40, undefined, { timeout: 30000 });
    await page.waitForFunction(() => Number(document.querySelector('.figures[data-run="cgan"]')?.getAttribute('data-count')) >= 5, undefined, { timeout: 30000 });
    await page.waitForFunction(() => (document.querySelector('.figures[data-run="cgan"] img.grid-image') as HTMLImageElement).complete);
    fs.mkdirSync(path.dirname(RUNS_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: RUNS_SCREENSHOT, fullPage: true });

    // Two runs of the same model overlay on one chart: a finished earlier run (a fixture written here) joins it.
    const earlier = path.join(runs, 'cgan-earlier');
    fs.mkdirSync(earlier);
    const t = Date.now() - 600000;
    const lines = [5, 10, 15, 20].map((st, i) => JSON.stringify({ type: 'train', step: st, epoch: st / 937, time: new Date(t + i * 2000).toISOString(), d_loss: 1.2 - i / 10, g_loss: 1 + i / 5, d_real: 0.6, d_fake: 0.4 }));
    fs.writeFileSync(path.join(earlier, 'metrics.jsonl'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(earlier, 'run.json'), JSON.stringify({ version: 1, kind: 'cgan', label: 'cgan-earlier', totalSteps: 20, stepsPerEpoch: 937, logEvery: 5, startStep: 0, startedAt: new Date(t - 1000).toISOString(), pid: 1, outcome: 'completed', step: 20 }));
    await page.waitForSelector('#runs-table tr[data-run="cgan-earlier"][data-state="finished"]');
    await page.check('#runs-table tr[data-run="cgan-earlier"] input[type=checkbox]');
    await page.waitForFunction(() => document.querySelector('.panel[data-kind="loss"] svg')?.textContent?.includes('cgan-earlier d_loss'), undefined, { timeout: 30000 });
    const legend = await page.textContent('.panel[data-kind="loss"] svg');
    for (const series of ['cgan d_loss', 'cgan g_loss', 'cgan-earlier d_loss', 'cgan-earlier g_loss']) expect(legend).toContain(series);
    expect(await page.$$eval('#runs-panels .panel[data-kind="loss"]', (p) => p.length)).toBe(1);
    await page.waitForFunction(() => document.querySelectorAll('#runs-figures .figures').length === 2);
    expect(page.url()).toMatch(/#runs\/cgan,cgan-earlier$/);

    // Ctrl-C: the trainer saves a checkpoint and exits 130; the view shows the run interrupted, with how to resume.
    trainer.kill('SIGINT');
    expect(await exited).toBe(130);
    await page.waitForSelector('#runs-table tr[data-run="cgan"][data-state="interrupted"]', { timeout: 30000 });
    expect(await page.textContent('#runs-table tr[data-run="cgan"] .note')).toMatch(/^resumable: dgm .*train cgan --steps 200 .*--resume$/);
    expect(problems.filter((p) => p.startsWith('[pageerror]') || p.startsWith('[error]'))).toEqual([]);
    await page.close();
  }, 300000); // the run's own pace sets the length: ~45 s at 3 steps/s, twice that when the machine is busy
});
