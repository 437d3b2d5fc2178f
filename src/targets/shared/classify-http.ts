// Pure HTTP outcome classification shared by every HTTP-based target: status, Retry-After and socket errors → SendError.
//
// Exports:
//   DEFAULT_RETRY_ON            the default retryable statuses as a predicate source: 408, 429, 5xx except 501
//   MAX_RETRY_AFTER_MS          upper clamp for a peer's Retry-After (1 h)
//   RetryOnRule / compileRetryOn(rules?)  a config list such as [408, 429, '5xx'] → (status) => boolean
//   parseRetryAfter(value, nowMs)         RFC 9110 §10.2.3 delta-seconds or HTTP-date → milliseconds (clamped) or undefined
//   classifyHttpStatus(status, headers, options)  → undefined (2xx) or a SendError
//   classifyRequestError(error, what)     network / TLS / timeout / abort error → retryable SendError
//   RequestTimeoutError, RequestAbortedError   the errors http-request.ts raises for its own timeout and for an abort
import { SendError, permanent, rateLimited, retryable } from '../../errors.js';

/** One entry of a `retryOn` list: an exact status, or a whole class such as '5xx'. */
export type RetryOnRule = number | '4xx' | '5xx';

/**
 * Default retryable statuses, as Vector and Datadog document them: 408 Request Timeout and 429 Too Many Requests
 * (RFC 6585 §4) may pass later; 5xx are server-side and transient except 501 Not Implemented (RFC 9110 §15.6.2), which
 * no retry changes.
 */
export const DEFAULT_RETRY_ON: readonly RetryOnRule[] = [408, 429, '5xx'];

/** A Retry-After beyond an hour is treated as an hour: the job's own backoff and dead-lettering stay in charge. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Turns a `retryOn` list into a predicate; without a list the default applies (501 is excluded from '5xx' there only). */
export function compileRetryOn(rules?: readonly RetryOnRule[]): (status: number) => boolean {
  if (rules === undefined) {
    return (status) => status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501);
  }
  const exact = new Set<number>();
  let any4xx = false;
  let any5xx = false;
  for (const rule of rules) {
    if (rule === '4xx') any4xx = true;
    else if (rule === '5xx') any5xx = true;
    else exact.add(rule);
  }
  return (status) =>
    exact.has(status) ||
    (any4xx && status >= 400 && status <= 499) ||
    (any5xx && status >= 500 && status <= 599);
}

/**
 * Parses Retry-After (RFC 9110 §10.2.3): either delta-seconds (a non-negative integer) or an HTTP-date
 * (IMF-fixdate, or the obsolete RFC 850 and asctime forms, RFC 9110 §5.6.7). Returns the wait in
 * milliseconds clamped to [0, MAX_RETRY_AFTER_MS], or undefined when the header is absent or malformed.
 */
export function parseRetryAfter(
  value: string | readonly string[] | undefined,
  nowMs: number,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  let ms: number;
  if (/^\d+$/.test(text)) {
    ms = Number(text) * 1000;
  } else {
    const at = parseHttpDate(text);
    if (at === undefined) return undefined;
    ms = at - nowMs;
  }
  if (!Number.isFinite(ms)) return MAX_RETRY_AFTER_MS;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`);

/** The three HTTP-date forms of RFC 9110 §5.6.7, all in UTC (asctime has no zone and means GMT). */
function parseHttpDate(text: string): number | undefined {
  let at = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) at = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  return Number.isNaN(at) ? undefined : at;
}

export interface ClassifyHttpOptions {
  /** Which statuses a retry can fix; default DEFAULT_RETRY_ON. */
  retryOn?: (status: number) => boolean;
  /** Names the peer in the message, e.g. "splunk-hec target siem" (never a URL with credentials). */
  what: string;
  /** A short, already-sanitised excerpt of the response body to put in the message. */
  detail?: string | undefined;
  /** Clock for HTTP-date Retry-After values. */
  nowMs?: number;
}

type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Maps a response status to the delivery outcome: 2xx → undefined (delivered); retryable statuses →
 * rateLimited when Retry-After is present, else retryable 'http_retryable_status'; everything else (other 4xx, 3xx
 * because redirects are never followed, 1xx) → permanent 'http_permanent_status'.
 */
export function classifyHttpStatus(
  status: number,
  headers: HeaderBag,
  options: ClassifyHttpOptions,
): SendError | undefined {
  if (status >= 200 && status <= 299) return undefined;
  const isRetryable = options.retryOn ?? compileRetryOn();
  const suffix = options.detail ? `: ${options.detail}` : '';
  if (isRetryable(status)) {
    const wait = parseRetryAfter(headers['retry-after'], options.nowMs ?? Date.now());
    const message = `${options.what} answered HTTP ${status}${suffix}`;
    return wait === undefined ? retryable('http_retryable_status', message) : rateLimited(message, wait);
  }
  if (status >= 300 && status <= 399) {
    const location = headers['location'] ? ' (redirects are not followed; fix the configured URL)' : '';
    return permanent('http_permanent_status', `${options.what} answered HTTP ${status}${location}${suffix}`);
  }
  return permanent('http_permanent_status', `${options.what} answered HTTP ${status}${suffix}`);
}

/** Raised by http-request.ts when `timeoutMs` elapses before the response is read. */
export class RequestTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** Raised by http-request.ts when the caller's signal (shutdown, job timeout) or the target's close aborts a request. */
export class RequestAbortedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'RequestAbortedError';
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_CHUNK_SIZE',
]);

/** OpenSSL verification codes (X509_V_ERR_* as Node names them) and Node's own TLS error codes. */
function isTlsError(code: string, message: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.includes('CERT') ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' ||
    code === 'UNABLE_TO_GET_ISSUER_CERT' ||
    code === 'HOSTNAME_MISMATCH' ||
    /certificate|SSL routines|tlsv1 alert|wrong version number/i.test(message)
  );
}

/**
 * Classifies a failure that happened before a status was read. Every case is retryable: a refused connection or
 * an expired certificate can be fixed on the peer side while the job waits, and the dead-letter policy bounds the
 * retries. TLS failures keep their own code so that operators see them ('tls_error'); there is never a plaintext
 * fallback.
 */
export function classifyRequestError(error: unknown, what: string): SendError {
  if (error instanceof SendError) return error;
  if (error instanceof RequestTimeoutError) return retryable('timeout', `${what}: ${error.message}`, error);
  if (error instanceof RequestAbortedError)
    return retryable('target_closed', `${what}: ${error.message}`, error);
  const err = error as (Error & { code?: unknown }) | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = err instanceof Error ? err.message : String(error);
  if (isTlsError(code, message)) {
    return retryable('tls_error', `${what}: TLS failed (${code || message})`, error);
  }
  if (NETWORK_CODES.has(code) || /socket hang up|ECONNRESET|EPIPE/i.test(message)) {
    return retryable('network_error', `${what}: ${code || message}`, error);
  }
  if (err?.name === 'AbortError') return retryable('target_closed', `${what}: request aborted`, error);
  return retryable('network_error', `${what}: ${code ? `${code} ` : ''}${message}`, error);
}
