// Deterministic record ids from what Snyk signs: the body's hash and the finding's own identity, never a header.
import { createHash } from 'node:crypto';
import type { DeliveryContext } from './types.js';

/** Length of a record id: 40 base64url characters (240 bits), which is exactly CEF's externalId limit. */
export const RECORD_ID_LENGTH = 40;

export interface RecordIdParts {
  /** SHA-256 (hex) of the signed body: the same snapshot, however often it is delivered. */
  bodySha256: string;
  event: string;
  action: string;
  projectId: string | undefined;
  issueId: string | undefined;
  packageName: string | undefined;
  packageVersions: readonly string[];
  /** 0 for the first record with these parts in the body, 1 for a second one listed the same way, and so on. */
  occurrence: number;
}

/**
 * Hashes the body hash, the event, the action and the finding's identity (project, issue, package and versions).
 * X-Snyk-Transport-ID and X-Snyk-Timestamp are unsigned (the signature covers the body only: https://docs.snyk.io/snyk-api/how-to-use-snyk-webhooks-apis/webhooks), so they take no part: a replay of
 * a body, with any headers and at any time, yields the same ids, and a SIEM can drop the duplicates. A re-test
 * is a new body (project.lastTestedDate changes), so an issue introduced again later gets a new id. The parts are
 * JSON-encoded so that no choice of values can collide by concatenation.
 */
export function recordId(parts: RecordIdParts): string {
  const key = JSON.stringify([
    parts.bodySha256,
    parts.event,
    parts.action,
    parts.projectId ?? null,
    parts.issueId ?? null,
    parts.packageName ?? null,
    parts.packageVersions,
    parts.occurrence,
  ]);
  return createHash('sha256').update(key, 'utf8').digest('base64url').slice(0, RECORD_ID_LENGTH);
}

/** The body hash to derive ids from: the receiver's, else the SHA-256 of the payload's JSON text. */
export function bodyHashOf(payload: unknown, context: DeliveryContext): string {
  if (context.bodySha256 !== undefined) return context.bodySha256;
  return createHash('sha256')
    .update(JSON.stringify(payload) ?? '', 'utf8')
    .digest('hex');
}
