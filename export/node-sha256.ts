/** sha256 in Node (the `Sha256` that export passes to the platform-free card and integrity code). */
import { createHash } from 'crypto';

export function nodeSha256(parts: readonly Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}
