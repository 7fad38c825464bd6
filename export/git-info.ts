/** The commit an export was built from (recorded in every model card). */
import { spawnSync } from 'child_process';

export function gitCommit(cwd = process.cwd()): { commit: string; dirty: boolean } {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' });
  if (head.status !== 0) return { commit: 'unknown (not a git checkout)', dirty: false };
  // Only tracked files count: run folders and models/ are outputs, not source changes.
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' });
  return { commit: head.stdout.trim(), dirty: status.status !== 0 || status.stdout.trim().length > 0 };
}
