// Classifies Rapid7 webhook outcomes with the shared HTTP rules and scrubs the log token from every message.
import { SendError } from '../../errors.js';
import { classifyHttpStatus } from '../shared/classify-http.js';
import { classifySocketError } from '../shared/classify-socket.js';
import { responseExcerpt } from '../shared/http-body.js';
import type { HttpResponse } from '../shared/http-request.js';
import { redact } from './endpoint.js';

/**
 * 2xx → undefined (Rapid7 answers 204); 408, 429 and 5xx except 501 → retryable, as rateLimited when Retry-After
 * (seconds or an HTTP date) is present; other 4xx → permanent. The shared rule (classify-http.ts) decides.
 */
export function classifyWebhookResponse(
  response: HttpResponse,
  what: string,
  token: string,
): SendError | undefined {
  const detail = responseExcerpt(response.body);
  const error = classifyHttpStatus(response.status, response.headers, {
    what,
    detail: detail === undefined ? undefined : redact(detail, token),
  });
  return error === undefined ? undefined : scrub(error, token);
}

/** Network, TLS, timeout and abort failures → retryable SendError without the token. */
export function classifyWebhookFailure(error: unknown, what: string, token: string): SendError {
  return scrub(classifySocketError(error, what), token);
}

/**
 * Returns the error with the token removed from its message. The cause is dropped when its message names the token
 * (Node network errors carry host and port, not the path, so this is a safety net).
 */
export function scrub(error: SendError, token: string | undefined): SendError {
  if (!token) return error;
  const causeText = error.cause instanceof Error ? error.cause.message : String(error.cause ?? '');
  if (!error.message.includes(token) && !causeText.includes(token)) return error;
  return new SendError(redact(error.message, token), {
    code: error.code,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    cause: causeText.includes(token) ? undefined : error.cause,
  });
}
