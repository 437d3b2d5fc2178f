// A short, one-way name for a webhook secret, so that a ping's record can say which secret verified it.
import { createHash } from 'node:crypto';

/**
 * The first 16 hex digits of SHA-256(secret). Secrets are at least 16 characters (32 random bytes when generated),
 * so the fingerprint names a secret without disclosing it; it is what Redis, the logs and the CLI show.
 */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}
