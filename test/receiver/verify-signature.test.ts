// X-Hub-Signature verification over the exact request bytes, with secret rotation.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../src/receiver/verify-signature.js';
import { fixture } from '../helpers/webhook.js';

const secret = 'first-secret-0123456789abcdef';
const rotated = 'second-secret-0123456789abcdef';
const body = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');

describe('verifySignature', () => {
  it('accepts the HMAC-SHA256 of the exact body', () => {
    expect(verifySignature(body, signBody(body, secret), [secret])).toBe('valid');
  });

  it('accepts a body signed with the second secret during a rotation', () => {
    expect(verifySignature(body, signBody(body, rotated), [secret, rotated])).toBe('valid');
    expect(verifySignature(body, signBody(body, secret), [secret, rotated])).toBe('valid');
  });

  it('rejects a body signed with a secret that is not configured', () => {
    expect(verifySignature(body, signBody(body, 'wrong-secret-0123456789abcdef'), [secret, rotated])).toBe(
      'mismatch',
    );
  });

  it('rejects a body changed by one byte', () => {
    const signature = signBody(body, secret);
    for (const index of [0, Math.floor(body.length / 2), body.length - 1]) {
      const changed = Buffer.from(body);
      changed[index] = (changed[index] as number) ^ 0x01;
      expect(verifySignature(changed, signature, [secret])).toBe('mismatch');
    }
  });

  it('reports a missing header', () => {
    expect(verifySignature(body, undefined, [secret])).toBe('missing');
    expect(verifySignature(body, '', [secret])).toBe('missing');
  });

  it('rejects a digest without the sha256= prefix', () => {
    const hex = createHmac('sha256', secret).update(body).digest('hex');
    expect(verifySignature(body, hex, [secret])).toBe('malformed');
    expect(verifySignature(body, `sha1=${hex}`, [secret])).toBe('malformed');
  });

  it('accepts the same digest written in upper-case hex (base16 is case-insensitive)', () => {
    const hex = createHmac('sha256', secret).update(body).digest('hex').toUpperCase();
    expect(verifySignature(body, `sha256=${hex}`, [secret])).toBe('valid');
  });

  it('rejects digests of the wrong length, such as the 40-character example in Snyk docs', () => {
    expect(verifySignature(body, 'sha256=7d38cdd689735b008b3c702edd92eea23791c5f6', [secret])).toBe(
      'malformed',
    );
  });

  it('does not verify re-serialised JSON: the signature covers the bytes, not the parsed value', () => {
    const signature = signBody(body, secret);
    const compact = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8'))));
    const spaced = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')), null, 4));
    expect(compact.equals(body)).toBe(false);
    expect(verifySignature(compact, signature, [secret])).toBe('mismatch');
    expect(verifySignature(spaced, signature, [secret])).toBe('mismatch');
  });

  it('rejects everything when no secret is configured', () => {
    expect(verifySignature(body, signBody(body, secret), [])).toBe('mismatch');
  });
});
