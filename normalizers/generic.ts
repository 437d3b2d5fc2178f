// The record for events without a dedicated normaliser: event name, org and project when present, payload size.
import { deliveryInfo, recordTime } from './delivery.js';
import { LIMITS } from './limits.js';
import { recordId } from './record-id.js';
import { truncate } from './text.js';
import type { DeliveryContext, GenericEvent, OrgInfo, ProjectInfo } from './types.js';

/**
 * Never throws: an unknown event's body has no known shape, so only a few well-known fields are picked out.
 * `bodySha256` identifies the signed body (record-id.ts).
 */
export function genericRecord(payload: unknown, context: DeliveryContext, bodySha256: string): GenericEvent {
  const delivery = deliveryInfo(context);
  const body = asObject(payload);
  const org = asObject(body?.['org']);
  const project = asObject(body?.['project']);
  const orgInfo: OrgInfo | undefined =
    org === undefined ? undefined : pickStrings(org, ['id', 'name', 'slug']);
  const projectInfo: ProjectInfo | undefined =
    project === undefined
      ? undefined
      : {
          ...pickStrings(project, ['id', 'name']),
          tags: [],
          attributes: { criticality: [], environment: [], lifecycle: [] },
        };
  return {
    kind: 'generic',
    action: 'event',
    severity: undefined,
    recordId: recordId({
      bodySha256,
      event: delivery.event,
      action: 'event',
      projectId: projectInfo?.id,
      issueId: undefined,
      packageName: undefined,
      packageVersions: [],
      occurrence: 0,
    }),
    time: recordTime(delivery),
    delivery,
    org: orgInfo,
    project: projectInfo,
    payloadBytes:
      Number.isSafeInteger(context.payloadBytes) && context.payloadBytes >= 0 ? context.payloadBytes : 0,
  };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function pickStrings<K extends string>(
  source: Record<string, unknown>,
  keys: readonly K[],
): { [P in K]?: string } {
  const out: { [P in K]?: string } = {};
  for (const key of keys) {
    const v = source[key];
    if (typeof v === 'string' && v !== '') out[key] = truncate(v, LIMITS.textLength);
  }
  return out;
}
