/**
 * Training progress on the console: a cli-progress bar (step, steps/s, ETA, current losses) when stdout is a
 * terminal, plain log lines every few steps when it is not (CI logs, `make ... | tee`), nothing when asked.
 * Other output during training goes through `log` so it does not tear the bar.
 */
import * as cliProgress from 'cli-progress';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface ProgressStatus {
  step: number;
  epoch: number;
  /** Latest (or interval-mean) loss values, shown compactly. */
  losses: Record<string, number>;
}

export interface ProgressReporter {
  update(s: ProgressStatus): void;
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  mode: ProgressMode;
  label: string;
  total: number;
  /** Steps already done when this session starts (resume): speed and ETA count only this session's steps. */
  start: number;
  /** In 'lines' mode, print a line every this many steps (and at the end). */
  lineEvery: number;
  out?: NodeJS.WriteStream;
}

export function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join('  ');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

/** Session speed and ETA (steps done in this process only, so a resumed run does not report a wild rate). */
class Speed {
  private readonly t0 = Date.now();
  constructor(private readonly start: number, private readonly total: number) {}
  rate(step: number): number {
    const dt = (Date.now() - this.t0) / 1000;
    return dt > 0 ? (step - this.start) / dt : 0;
  }
  eta(step: number): number {
    const r = this.rate(step);
    return r > 0 ? (this.total - step) / r : NaN;
  }
}

export function createProgress(opts: ProgressOptions): ProgressReporter {
  const out = opts.out ?? process.stdout;
  const mode = opts.mode === 'auto' ? (out.isTTY ? 'bar' : 'lines') : opts.mode;
  const speed = new Speed(opts.start, opts.total);
  if (mode === 'none') return { update() {}, log: (line) => out.write(line + '\n'), stop() {} };
  if (mode === 'lines') {
    let lastPrinted = -1;
    const line = (s: ProgressStatus) =>
      `${opts.label} step ${s.step}/${opts.total} epoch ${s.epoch} | ${speed.rate(s.step).toFixed(1)} steps/s | ` +
      `ETA ${formatDuration(speed.eta(s.step))} | ${formatLosses(s.losses)}`;
    let last: ProgressStatus | null = null;
    return {
      update(s) {
        last = s;
        if (s.step % opts.lineEvery === 0 || s.step === opts.total) {
          out.write(line(s) + '\n');
          lastPrinted = s.step;
        }
      },
      log: (l) => out.write(l + '\n'),
      stop() {
        if (last && last.step !== lastPrinted) out.write(line(last) + '\n');
      },
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      format: `${opts.label} |{bar}| {value}/{total} | epoch {epoch} | {rate} steps/s | ETA {etaText} | {losses}`,
      stream: out,
      hideCursor: true,
      clearOnComplete: false,
      fps: 5,
      barsize: 24,
      gracefulExit: false, // the training loop handles Ctrl-C itself (finish the step, save, then stop the bar)
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = multi.create(opts.total, opts.start, { epoch: 0, rate: '-', etaText: '?', losses: '' });
  return {
    update(s) {
      bar.update(s.step, { epoch: s.epoch, rate: speed.rate(s.step).toFixed(1), etaText: formatDuration(speed.eta(s.step)), losses: formatLosses(s.losses) });
    },
    log: (l) => multi.log(l + '\n'),
    stop() {
      multi.update(); // flush lines logged since the last redraw
      multi.stop();
    },
  };
}
