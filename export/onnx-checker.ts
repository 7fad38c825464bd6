/**
 * Runs the reference ONNX checker (Debian python3-onnx, through /usr/bin/python3: the pyenv python on PATH has no
 * onnx) on exported files. An independent implementation of the spec, so it catches what onnxruntime tolerates.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface CheckResult {
  file: string;
  ok: boolean;
  error?: string;
  onnx?: string;
  /** Output shapes after strict shape inference (symbolic dims as strings). */
  outputs?: Record<string, (number | string)[]>;
}

function script(): string {
  const candidates = [path.join(__dirname, 'onnx-checker.py'), path.resolve(__dirname, '../../export/onnx-checker.py')];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`onnx-checker.py not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Why the checker cannot run here, or null when it can. */
export function checkerUnavailable(): string | null {
  if (!fs.existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import onnx, sys; sys.stdout.write(onnx.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return `python3-onnx is not installed (${SYSTEM_PYTHON} cannot import onnx; bash .ci/apt-deps.sh installs it)`;
  return null;
}

export function checkOnnxFiles(files: string[]): CheckResult[] {
  if (files.length === 0) return [];
  const r = spawnSync(SYSTEM_PYTHON, [script(), ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.error) throw r.error;
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
  if (lines.length !== files.length) throw new Error(`onnx checker failed to run: ${r.stderr || r.stdout}`);
  return lines.map((l) => JSON.parse(l) as CheckResult);
}
