/** SHA-256 in hex: the one hash of intake's idempotency keys and Message-ID index (mail and GitHub alike). */
import { createHash } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
