/**
 * Downloads one file with a progress bar, into a temp file beside the destination, checks its SHA-256 and only then
 * renames it into place: an interrupted or corrupt download never leaves a file a later run would trust.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Readable, Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { SingleBar } from 'cli-progress';

export interface DownloadOptions {
  /** No progress bar (tests). */
  quiet?: boolean;
  /** Abort when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
}

export class ChecksumMismatchError extends Error {}

export function sha256OfFile(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export async function downloadVerified(url: string, dest: string, sha256: string, opts: DownloadOptions = {}): Promise<void> {
  fs.mkdirSync(path.dirname(path.resolve(dest)), { recursive: true });
  const tmp = `${dest}.download-${process.pid}-${Date.now()}`;
  const idleMs = opts.idleTimeoutMs ?? 30000;
  const abort = new AbortController();
  let idle = setTimeout(() => abort.abort(), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(), idleMs);
  };
  let bar: SingleBar | null = null;
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: abort.signal });
    } catch (err) {
      throw new Error(`${url}: ${describeFetchError(err, abort.signal.aborted, idleMs)}`);
    }
    if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length')) || 0;
    if (!opts.quiet) {
      bar = new SingleBar({
        format: `${path.basename(dest).padEnd(28)} [{bar}] {percentage}% | {got} / {size} | ETA {eta}s`,
        hideCursor: true,
      });
      bar.start(total || 1, 0, { got: formatBytes(0), size: total ? formatBytes(total) : '?' });
    }
    const hash = createHash('sha256');
    let got = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        touch();
        hash.update(chunk);
        got += chunk.length;
        bar?.update(total ? got : 0, { got: formatBytes(got) });
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('stream/web').ReadableStream), meter, fs.createWriteStream(tmp));
    } catch (err) {
      throw new Error(`${url}: download interrupted after ${got} bytes: ${describeFetchError(err, abort.signal.aborted, idleMs)}`);
    }
    if (total && got !== total) throw new Error(`${url}: got ${got} bytes, the server announced ${total}`);
    const digest = hash.digest('hex');
    if (digest !== sha256) {
      throw new ChecksumMismatchError(
        `${url}: SHA-256 mismatch: got ${digest}, expected ${sha256}; the download is corrupt or not the official file, nothing was kept`,
      );
    }
    fs.renameSync(tmp, dest);
    bar?.stop();
    bar = null;
    if (!opts.quiet) process.stderr.write(`${path.basename(dest)}: ${formatBytes(got)}, SHA-256 verified\n`);
  } finally {
    clearTimeout(idle);
    bar?.stop();
    fs.rmSync(tmp, { force: true });
  }
}

function formatBytes(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}

function describeFetchError(err: unknown, timedOut: boolean, idleMs: number): string {
  if (timedOut) return `no data for ${idleMs / 1000} s, gave up`;
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}
