/**
 * How `dgm train` finds a running `dgm serve` for its runs folder, to print the page's address for the run: the
 * server leaves a small file naming its URL and pid in a per-user state folder (not under runs/, which the server
 * only reads), keyed by the runs folder's real path; the trainer reads it, checks the process is alive and asks
 * the server for /api/runs before trusting it (a pid can be reused after a crash).
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { processAlive } from './process-alive';

export interface ServeAnnouncement {
  url: string;
  pid: number;
  runsDir: string;
}

/** DGM_STATE_DIR, else <tmp>/dgm-<uid> (created 0700). */
export function stateDir(): string {
  return process.env.DGM_STATE_DIR ?? path.join(os.tmpdir(), `dgm-${os.userInfo().uid}`);
}

function realOrResolved(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

export function announcementFile(runsDir: string): string {
  const key = createHash('sha256').update(realOrResolved(runsDir)).digest('hex').slice(0, 16);
  return path.join(stateDir(), `serve-${key}.json`);
}

/** Writes the announcement; returns the function that removes it (only if it is still this process's). */
export function announceServer(runsDir: string, url: string): () => void {
  const file = announcementFile(runsDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const body: ServeAnnouncement = { url, pid: process.pid, runsDir: realOrResolved(runsDir) };
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(body) + '\n');
  fs.renameSync(tmp, file);
  return () => {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as ServeAnnouncement).pid === process.pid) fs.unlinkSync(file);
    } catch {
      // gone already
    }
  };
}


function probe(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(new URL('api/runs', url), { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 && String(res.headers['content-type']).startsWith('application/json'));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** The URL of a live `dgm serve` showing this runs folder, or null. */
export async function findServer(runsDir: string, timeoutMs = 800): Promise<string | null> {
  let a: ServeAnnouncement;
  try {
    a = JSON.parse(fs.readFileSync(announcementFile(runsDir), 'utf8')) as ServeAnnouncement;
  } catch {
    return null;
  }
  if (typeof a.url !== 'string' || !Number.isInteger(a.pid) || !processAlive(a.pid)) return null;
  return (await probe(a.url, timeoutMs)) ? a.url : null;
}

/** The page's address for one run. */
export function runPageUrl(serverUrl: string, run: string): string {
  return `${serverUrl}#runs/${encodeURIComponent(run)}`;
}
