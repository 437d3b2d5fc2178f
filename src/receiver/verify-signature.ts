// Verifies Snyk's X-Hub-Signature (sha256=<hex HMAC of the raw body>) against every accepted secret, in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^sha256=([0-9a-fA-F]{64})$/;

export type SignatureVerdict = 'valid' | 'missing' | 'malformed' | 'mismatch';

/**
 * Checks the signature over the exact bytes received, never over re-serialised JSON (Snyk's own sample verifier re-serialises, which fails on real deliveries).
 * Hex is compared as bytes, so upper- and lower-case digests are the same digest (RFC 4648 §8: base16 is
 * case-insensitive). Every secret is tried, without an early exit, so timing does not reveal which one matched.
 */
export function verifySignature(
  body: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): SignatureVerdict {
  if (header === undefined || header === '') return 'missing';
  const match = HEADER.exec(header.trim());
  if (!match) return 'malformed';
  const received = Buffer.from(match[1] as string, 'hex');
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    // Both are 32 bytes here, so timingSafeEqual cannot throw on a length mismatch.
    if (timingSafeEqual(expected, received)) valid = true;
  }
  return valid ? 'valid' : 'mismatch';
}

/** Signs a body the way Snyk does; used by send-sample and the tests. */
export function signBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
