// The delivery part of every record, and the record time: Snyk's timestamp when it is valid, else receivedAt.
import { canonicalTime } from './time.js';
import type { DeliveryContext, DeliveryInfo } from './types.js';

export function deliveryInfo(context: DeliveryContext): DeliveryInfo {
  return {
    event: context.event,
    transportId: context.transportId,
    snykTimestamp: canonicalTime(context.snykTimestamp),
    receivedAt: canonicalTime(context.receivedAt) ?? context.receivedAt,
  };
}

/** X-Snyk-Timestamp is unsigned and untrusted text; it is used only when it parses as an ISO 8601 date-time. */
export function recordTime(delivery: DeliveryInfo): string {
  return delivery.snykTimestamp ?? delivery.receivedAt;
}
