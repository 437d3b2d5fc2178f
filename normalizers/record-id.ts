// Deterministic record ids: the same issue and action in the same delivery always get the same id.
import { createHash } from 'node:crypto';

/** Length of a record id: 40 base64url characters (240 bits), which is exactly CEF's externalId limit. */
export const RECORD_ID_LENGTH = 40;

/**
 * Hashes the delivery (transport id and event), the action, the project and the issue. A redelivery of the
 * same body under the same transport id yields the same ids, so a SIEM can drop the duplicates that
 * at-least-once delivery causes. The parts are JSON-encoded so that no choice of values can collide by concatenation.
 */
export function recordId(parts: {
  transportId: string;
  event: string;
  action: string;
  projectId: string | undefined;
  issueId: string | undefined;
}): string {
  const key = JSON.stringify([
    parts.transportId,
    parts.event,
    parts.action,
    parts.projectId ?? null,
    parts.issueId ?? null,
  ]);
  return createHash('sha256').update(key, 'utf8').digest('base64url').slice(0, RECORD_ID_LENGTH);
}
