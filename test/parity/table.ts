/** The parity table: for each model output, the max |difference| between every pair of runtimes. */
import { divergedRows as rowsDiverged } from '../../runtime/core/flow';

export const RUNTIMES = ['tfjs', 'ort-node', 'ort-node-webgpu', 'ort-web-node', 'chromium-webgpu', 'chromium-wasm'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export const RUNTIME_TEXT: Record<RuntimeName, string> = {
  tfjs: 'tfjs (cpu backend: the training definitions; tfjs-layers predict for convert-* rows)',
  'ort-node': 'onnxruntime-node 1.30 (runtime/node.ts)',
  'ort-node-webgpu': 'onnxruntime-node 1.30 WebGPU EP (Dawn; SwiftShader adapter here; runtime/node.ts, --provider webgpu)',
  'ort-web-node': 'onnxruntime-web 1.30 wasm in Node (runtime/web.ts)',
  'chromium-webgpu': 'Debian Chromium headless, onnxruntime-web WebGPU EP (SwiftShader adapter)',
  'chromium-wasm': 'Debian Chromium headless, onnxruntime-web wasm EP',
};

export interface ParityRow {
  model: string;
  /** e.g. 'images [8, 28, 28, 1]', 'log_prob [16]'. */
  output: string;
  /** What was fed. */
  inputs: string;
  tolerance: number;
  unit: string;
  results: Partial<Record<RuntimeName, ArrayLike<number>>>;
  /**
   * Flow samples: the width of a row. A row holding NaN or an infinity has diverged (the sequential sampler left the
   * data); two runtimes agree when the same rows diverge and the other rows are within the tolerance.
   */
  rowWidth?: number;
  /** Flow samples: a row with a value beyond +-rowBound diverged too (runtime/core/flow.ts divergenceBound). */
  rowBound?: number;
  /** Runtimes whose pairs are measured but not held to the bound, and why (tfjs's float32 weights beside a file
   *  that stores them as float16). */
  unbounded?: { runtimes: RuntimeName[]; why: string };
}

/** Rows of `a` (rows of `width` values) that diverged: NaN, an infinity, or a value beyond +-bound. */
export function divergedRows(a: ArrayLike<number>, width: number, bound = Infinity): number[] {
  return rowsDiverged(a, a.length / width, width, bound);
}

/** maxAbs for sample rows: Infinity when different rows diverged, else over the rows neither diverged on. */
export function maxAbsRows(a: ArrayLike<number>, b: ArrayLike<number>, width: number, bound = Infinity): number {
  const da = divergedRows(a, width, bound);
  if (da.join() !== divergedRows(b, width, bound).join()) return Infinity;
  const skip = new Set(da);
  let m = 0;
  for (let r = 0; r < a.length / width; r++) {
    if (skip.has(r)) continue;
    const e = maxAbs(Array.prototype.slice.call(a, r * width, (r + 1) * width), Array.prototype.slice.call(b, r * width, (r + 1) * width));
    if (!(e <= m)) m = e;
  }
  return m;
}

/** Largest |a - b|; NaN anywhere counts as infinitely far. */
export function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export interface PairError {
  a: RuntimeName;
  b: RuntimeName;
  err: number;
}

export function pairErrors(row: ParityRow): PairError[] {
  const out: PairError[] = [];
  const have = RUNTIMES.filter((r) => row.results[r] !== undefined);
  for (let i = 0; i < have.length; i++) {
    for (let j = i + 1; j < have.length; j++) {
      const [a, b] = [row.results[have[i]]!, row.results[have[j]]!];
      out.push({ a: have[i], b: have[j], err: row.rowWidth ? maxAbsRows(a, b, row.rowWidth, row.rowBound) : maxAbs(a, b) });
    }
  }
  return out;
}

/** The pairs held to the row's bound (all, unless the row names runtimes it only measures). */
export function boundedPairErrors(row: ParityRow): PairError[] {
  const skip = row.unbounded?.runtimes ?? [];
  return pairErrors(row).filter((p) => !skip.includes(p.a) && !skip.includes(p.b));
}

/** Which sample rows diverged, per runtime ('' when none did anywhere). */
function divergedText(row: ParityRow): string {
  if (!row.rowWidth) return '';
  const per = RUNTIMES.filter((r) => row.results[r] !== undefined).map((r) => [r, divergedRows(row.results[r]!, row.rowWidth!, row.rowBound)] as const);
  if (per.every(([, d]) => d.length === 0)) return '';
  const same = per.every(([, d]) => d.join() === per[0][1].join());
  const rule = row.rowBound !== undefined && Number.isFinite(row.rowBound) ? `NaN/infinity or |x| > ${+row.rowBound.toPrecision(4)}` : 'NaN/infinity';
  return same
    ? `; rows ${per[0][1].join(', ')} diverged (${rule}) in every runtime and the others are compared`
    : `; diverged rows differ: ${per.map(([r, d]) => `${SHORT[r]} [${d.join(', ')}]`).join(', ')}`;
}

const SHORT: Record<RuntimeName, string> = { tfjs: 'tfjs', 'ort-node': 'node', 'ort-node-webgpu': 'node-gpu', 'ort-web-node': 'web-node', 'chromium-webgpu': 'chr-gpu', 'chromium-wasm': 'chr-wasm' };

const fmt = (v: number) => (v === 0 ? '0' : v.toExponential(1));

/** A markdown table: one line per model output, one column per runtime pair, the worst pair against the bound. */
export function parityMarkdown(rows: ParityRow[]): string {
  const pairs: [RuntimeName, RuntimeName][] = [];
  for (let i = 0; i < RUNTIMES.length; i++) for (let j = i + 1; j < RUNTIMES.length; j++) pairs.push([RUNTIMES[i], RUNTIMES[j]]);
  const head = ['model', 'output', ...pairs.map(([a, b]) => `${SHORT[a]} / ${SHORT[b]}`), 'worst', 'bound', 'ok'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const errs = pairErrors(row);
    const skip = row.unbounded?.runtimes ?? [];
    const cell = (a: RuntimeName, b: RuntimeName) => {
      const e = errs.find((p) => p.a === a && p.b === b);
      return e ? fmt(e.err) + (skip.includes(a) || skip.includes(b) ? '*' : '') : '-';
    };
    const worst = Math.max(...boundedPairErrors(row).map((e) => e.err));
    lines.push(`| ${row.model} | ${row.output} | ${pairs.map(([a, b]) => cell(a, b)).join(' | ')} | ${fmt(worst)} | ${row.tolerance.toExponential(0)} ${row.unit} | ${worst <= row.tolerance ? 'yes' : '**NO**'} |`);
  }
  const inputs = rows.map((r) => `- ${r.model} ${r.output}: ${r.inputs}${divergedText(r)}${r.unbounded ? `; * measured, not bounded: ${r.unbounded.why}` : ''}`);
  const runtimes = RUNTIMES.map((r) => `- ${SHORT[r]}: ${RUNTIME_TEXT[r]}`);
  return [...lines, '', 'Runtimes:', ...runtimes, '', 'Inputs:', ...inputs, ''].join('\n');
}
