// The delivery part of every record, and the record time: Snyk's timestamp when it is plausible, else receivedAt.
import { LIMITS } from './limits.js';
import { truncate } from './text.js';
import { canonicalTime, epochMillis } from './time.js';
import type { DeliveryContext, DeliveryInfo } from './types.js';

// Anything but printable ASCII: an ISO 8601 timestamp is printable ASCII, and a header value chosen by the sender
// may hold HTAB and any byte from 0x80 (RFC 9110 §5.5).
const NOT_PRINTABLE = /[^\x20-\x7e]/g;

/**
 * X-Snyk-Timestamp is unsigned (the signature covers the body only): anyone replaying a captured body picks it. It becomes the
 * record time only when it is a valid ISO 8601 date-time within [receivedAt - 7 days, receivedAt + 5 minutes]
 * (limits.ts); otherwise the record time is receivedAt and the header is kept, bounded and printable, as text.
 */
export function deliveryInfo(context: DeliveryContext): DeliveryInfo {
  const receivedAt = canonicalTime(context.receivedAt) ?? context.receivedAt;
  const parsed = canonicalTime(context.snykTimestamp);
  const snykTimestamp = parsed !== undefined && plausible(parsed, receivedAt) ? parsed : undefined;
  const info: DeliveryInfo = {
    event: context.event,
    transportId: context.transportId,
    snykTimestamp,
    receivedAt,
  };
  if (snykTimestamp === undefined && context.snykTimestamp !== undefined) {
    info.snykTimestampHeader = printable(context.snykTimestamp, LIMITS.timestampHeaderLength);
  }
  return info;
}

export function recordTime(delivery: DeliveryInfo): string {
  return delivery.snykTimestamp ?? delivery.receivedAt;
}

function plausible(snykTime: string, receivedAt: string): boolean {
  const offset = epochMillis(snykTime) - epochMillis(receivedAt);
  // NaN (an unreadable receivedAt) fails both comparisons: the receipt time is then used as it is.
  return offset >= -LIMITS.timestampPastMs && offset <= LIMITS.timestampFutureMs;
}

/** Printable ASCII, `?` for anything else, cut to `limit` with the truncation marker. */
function printable(value: string, limit: number): string {
  return truncate(value.slice(0, limit + 1).replace(NOT_PRINTABLE, '?'), limit);
}
