// Logs each rejected webhook as one bounded, sanitised line, rate-limited so that a flood cannot fill the disk.
import type { Logger } from 'winston';
import { createPerMinuteLog, PER_MINUTE_WINDOW_MS, type Schedule } from '../telemetry/rate-limited-log.js';
import type { ReceiverError, ReceiverErrorCode } from './http-errors.js';

/** receiver.rejectLogPerMinute counts per minute. */
export const REJECT_LOG_WINDOW_MS = PER_MINUTE_WINDOW_MS;

/** The answers that reject a delivery; 404 and 405 are not deliveries, and a 500 is logged as an error already. */
const LOGGED_STATUSES: ReadonlySet<number> = new Set([400, 401, 413, 415, 503]);

/** Longest value kept from each field; the event and transport id limits match what webhook.ts keeps. */
export const FIELD_LIMITS = { event: 64, transportId: 128, remoteAddress: 64, detail: 200 } as const;

export interface Rejection {
  code: ReceiverErrorCode;
  status: number;
  remoteAddress?: string;
  event?: string;
  transportId?: string;
  detail?: string;
}

/** What the reject log reads from a request: Koa's ctx fits. */
export interface RejectedRequest {
  get(name: string): string;
  req: { socket: { remoteAddress?: string | undefined } };
}

/**
 * Header values are chosen by whoever sends the request: keep at most `max` characters and replace everything but
 * printable ASCII with "?", so no line break, terminal escape or bidirectional control reaches a log viewer
 * (RFC 9110 §5.5 allows any obs-text byte and HTAB in a field value).
 */
export function sanitizeField(value: string | undefined, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  const kept = value.slice(0, max).replace(/[^\x20-\x7e]/g, '?');
  return value.length > max ? `${kept}...` : kept;
}

/** The fields of one rejection line: never the body, never X-Hub-Signature. */
export function describeRejection(request: RejectedRequest, error: ReceiverError): Rejection {
  const fields: Rejection = { code: error.code, status: error.status };
  const optional = {
    remoteAddress: sanitizeField(request.req.socket.remoteAddress, FIELD_LIMITS.remoteAddress),
    event: sanitizeField(request.get('X-Snyk-Event'), FIELD_LIMITS.event),
    transportId: sanitizeField(request.get('X-Snyk-Transport-ID'), FIELD_LIMITS.transportId),
    detail: sanitizeField(error.detail, FIELD_LIMITS.detail),
  };
  // Absent fields are left out rather than written as "undefined" by the text format.
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) fields[key as keyof typeof optional] = value;
  }
  return fields;
}

export interface RejectLog {
  /** Logs the rejection if its status is one that rejects a delivery, within the per-minute limit. */
  record(request: RejectedRequest, error: ReceiverError): void;
  /** Writes the summary of the current minute now, if anything was suppressed (at shutdown). */
  flush(): void;
}

export interface RejectLogOptions {
  now?: () => number;
  schedule?: Schedule;
}

export function createRejectLog(
  logger: Logger,
  perMinute: number,
  options: RejectLogOptions = {},
): RejectLog {
  const limiter = createPerMinuteLog<Rejection>({
    logger,
    perMinute,
    key: (rejection) => rejection.code,
    write: (rejection) => logger.warn('Webhook rejected.', rejection),
    summary: (suppressed) =>
      `Rejected webhooks not logged one by one: ${suppressed} past the limit of ${perMinute} per minute.`,
    keysField: 'byCode',
    now: options.now,
    schedule: options.schedule,
  });
  return {
    record(request, error) {
      if (!LOGGED_STATUSES.has(error.status)) return;
      limiter.offer(describeRejection(request, error));
    },
    flush: () => limiter.flush(),
  };
}
