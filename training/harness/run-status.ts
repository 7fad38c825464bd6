/** run.json of a run folder (runtime/run-files.ts says what it holds and who reads it). */
import * as fs from 'fs';
import * as path from 'path';
import { RUN_FILES, type RunOutcome, type RunStatusFile } from '../../runtime/run-files';
import { writeFileAtomic } from './atomic-write';

export function writeRunStatus(runDir: string, status: RunStatusFile): void {
  writeFileAtomic(path.join(runDir, RUN_FILES.status), JSON.stringify(status, null, 2) + '\n');
}

/** The start record, and the function that rewrites it with the session's outcome. */
export function startRunStatus(runDir: string, s: Omit<RunStatusFile, 'version' | 'pid' | 'startedAt' | 'outcome'>): (outcome: RunOutcome, step: number) => void {
  const start: RunStatusFile = { version: 1, ...s, startedAt: new Date().toISOString(), pid: process.pid, outcome: 'training' };
  writeRunStatus(runDir, start);
  return (outcome, step) => {
    if (!fs.existsSync(runDir)) return;
    writeRunStatus(runDir, { ...start, outcome, step, endedAt: new Date().toISOString() });
  };
}
