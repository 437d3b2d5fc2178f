// The normaliser registry, keyed by the full X-Snyk-Event value; unknown events get one generic record.
import { snapshotRecords } from './finding.js';
import { genericRecord } from './generic.js';
import { bodyHashOf } from './record-id.js';
import { parseProjectSnapshot } from './snyk/parse-project-snapshot.js';
import type { DeliveryContext, NormalizedRecord } from './types.js';

export type Normalizer = (payload: unknown, context: DeliveryContext) => NormalizedRecord[];

// Snyk sends exactly these two events (Snyk docs, "Webhook events and payloads"). `satisfies` keeps the table exhaustive over
// KnownEvent: adding a name to the union without a normaliser is a compile error.
type KnownEvent = 'ping/v0' | 'project_snapshot/v0';

const NORMALIZERS = {
  // A ping only proves the webhook works; it carries nothing a SIEM needs.
  'ping/v0': () => [],
  'project_snapshot/v0': (payload, context) =>
    snapshotRecords(parseProjectSnapshot(payload), context, bodyHashOf(payload, context)),
} as const satisfies Record<KnownEvent, Normalizer>;

export const KNOWN_EVENTS: readonly string[] = Object.freeze(Object.keys(NORMALIZERS));

function isKnown(event: string): event is KnownEvent {
  return Object.hasOwn(NORMALIZERS, event);
}

/**
 * The normaliser for an event. Every ping version yields no record (an older Snyk page named `ping/v1`);
 * any other unknown value, such as a future `project_snapshot/v1`, yields one generic record.
 */
export function normalizerFor(event: string): Normalizer {
  if (isKnown(event)) return NORMALIZERS[event];
  if (event.startsWith('ping/')) return NORMALIZERS['ping/v0'];
  return (payload, context) => [genericRecord(payload, context, bodyHashOf(payload, context))];
}
