// Classifies an HTTP answer for every HTTP-based target: status, retryOn list and Retry-After → SendError.
import { permanent, rateLimited, retryable, type SendError } from '../../errors.js';

/** One entry of a `retryOn` list: an exact status, or a whole class such as '5xx'. */
export type RetryOnRule = number | '4xx' | '5xx';

/**
 * Default retryable statuses: 408 Request Timeout (RFC 9110 §15.5.9) and 429 Too Many Requests (RFC 6585 §4) may pass
 * later; 5xx are server-side and transient except 501 Not Implemented (RFC 9110 §15.6.2), which no retry changes.
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
