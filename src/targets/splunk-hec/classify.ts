// Classifies Splunk HEC answers by their JSON `code` (HEC REST API status table), and reads ackIds and ack states.
import type { SendError } from '../../errors.js';
import type { HttpResponse } from '../shared/http-request.js';
import { classifyHttpStatus, compileRetryOn } from '../shared/classify-http.js';
import { responseExcerpt } from '../shared/http-body.js';

/**
 * HEC codes a retry can fix: 8 internal server error (500), 9 server is busy (503), 18–20 HEC unhealthy (503).
 * Every other non-zero code (token disabled/invalid 1–4, bad data 5–7 and 12–13, channel 10–11, ack disabled 14,
 * indexed fields 15, query-string auth 16) needs a configuration or data change.
 */
export const HEC_RETRYABLE_CODES: ReadonlySet<number> = new Set([8, 9, 18, 19, 20]);

export interface HecReply {
  text?: string;
  code?: number;
  ackId?: number;
}

export function parseHecReply(body: string): HecReply | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) return undefined;
    const reply = value as Record<string, unknown>;
    return {
      ...(typeof reply['text'] === 'string' ? { text: reply['text'] } : {}),
      ...(typeof reply['code'] === 'number' ? { code: reply['code'] } : {}),
      ...(typeof reply['ackId'] === 'number' ? { ackId: reply['ackId'] } : {}),
    };
  } catch {
    return undefined;
  }
}

const defaultRetry = compileRetryOn();

/** undefined = accepted; otherwise a SendError (Retry-After honoured on retryable answers). */
export function classifyHecResponse(
  response: HttpResponse,
  what: string,
  secrets: readonly string[] = [],
): SendError | undefined {
  const reply = parseHecReply(response.body);
  const code = reply?.code;
  if (response.status >= 200 && response.status <= 299 && (code === undefined || code === 0 || code === 17)) {
    return undefined;
  }
  const detail =
    code !== undefined
      ? `HEC code ${code} (${reply?.text ?? 'no text'})`
      : responseExcerpt(response.body, secrets);
  const retry = code !== undefined ? HEC_RETRYABLE_CODES.has(code) : defaultRetry(response.status);
  // A 2xx with a non-zero code does not happen in Splunk; if a proxy invents one, classify it as a 400 would be.
  const status = response.status >= 200 && response.status <= 299 ? 400 : response.status;
  return classifyHttpStatus(status, response.headers, { retryOn: () => retry, what, detail });
}

/** Reads {"acks":{"7":true}} → whether this ackId is indexed; undefined when the body is not an ack reply. */
export function ackStatus(body: string, ackId: number): boolean | undefined {
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null) return undefined;
    const acks = (value as Record<string, unknown>)['acks'];
    if (typeof acks !== 'object' || acks === null) return undefined;
    return (acks as Record<string, unknown>)[String(ackId)] === true;
  } catch {
    return undefined;
  }
}
