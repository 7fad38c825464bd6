/** The table `dgm export` prints: one row per file with its size and the parity of each output checked. */
import * as path from 'path';
import { ExportResult } from './export-model';

function size(bytes: number): string {
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(2)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function exportTable(results: ExportResult[]): string {
  const rows: string[][] = [['model', 'file', 'size', 'parity: max |onnx - tfjs| (tolerance), inputs']];
  for (const r of results) {
    for (const f of r.card.files) {
      const checks = r.card.parity.checks.filter((c) => c.file === f.file);
      const parity = checks.map((c) => `${c.output} ${c.maxAbsError.toExponential(2)}${c.unit ? ' ' + c.unit : ''} (<= ${c.tolerance}${c.relTolerance !== undefined ? ` + ${c.relTolerance} |x|` : ''}) on ${c.inputs}`);
      rows.push([r.card.name, path.join(r.dir, f.file), size(f.bytes), parity[0] ?? '-']);
      for (const p of parity.slice(1)) rows.push(['', '', '', p]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
