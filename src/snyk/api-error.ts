// One line per failed Snyk API call: what was tried, what Snyk answered, and what to do; never the token.
import { regionOf } from './regions.js';

export type SnykFailureKind =
  | 'unauthorized'
  | 'not_entitled'
  | 'forbidden'
  | 'not_found'
  | 'invalid_request'
  | 'rate_limited'
  | 'server_error'
  | 'unexpected_status'
  | 'bad_response'
  | 'network'
  | 'timeout';

/** A failed call; `message` is the one line to print or log. */
export class SnykApiError extends Error {
  constructor(
    readonly kind: SnykFailureKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SnykApiError';
  }
}

export interface FailureContext {
  /** What was tried, e.g. "list the webhooks of org 0f3…"; never holds a secret. */
  operation: string;
  /** The API origin, e.g. https://api.eu.snyk.io. */
  apiUrl: string;
  /** The token, only to scrub it from Snyk's answer should the answer echo it. */
  token: string;
}

/** Longest excerpt of Snyk's answer put in a line. */
const EXCERPT_CHARS = 200;

/**
 * Snyk's own words, one line: the `message` (or `error`) of a JSON error body such as
 * `{"code":401,"error":"Not authorised","message":"Not authorised"}` (v1 spec), else the start of the text.
 */
export function snykSaid(body: string, token: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown };
    const said = [parsed.message, parsed.error].find((value) => typeof value === 'string' && value !== '');
    if (typeof said === 'string') text = said;
  } catch {
    // Not JSON: an HTML error page from a proxy, or plain text.
  }
  let line = text.replace(/\s+/g, ' ').trim();
  if (token.length > 0) line = line.split(token).join('[redacted]');
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
}

function where(apiUrl: string): string {
  const region = regionOf(apiUrl);
  return region ? `${apiUrl} (${region.id})` : apiUrl;
}

export interface StatusFailure extends FailureContext {
  status: number;
  body: string;
  /** Set on a 429 that was not retried any more: the attempts made and the last wait asked for. */
  rateLimit?: { attempts: number; retryAfterSeconds: number | undefined };
  /** The Location of a redirect, which is never followed (it would send the token to another URL). */
  location?: string | undefined;
}

/**
 * The error for a non-2xx answer, as Snyk's v1 API answers (https://docs.snyk.io/snyk-api/v1-api): 401 "Not
 * authorised" for a missing or wrong token, and for a token of another region
 * (https://github.com/devops-kung-fu/bomber/issues/215); 403 "The org … is not entitled for api access" without API
 * access on the plan ("The Snyk API is available only for Enterprise plans"); 429 above the rate limit ("2,000
 * requests per minute").
 */
export function statusFailure(failure: StatusFailure): SnykApiError {
  const { status, operation } = failure;
  const said = snykSaid(failure.body, failure.token);
  const quoted = said === '' ? '' : `; Snyk said "${said}"`;
  const at = where(failure.apiUrl);
  const line = (kind: SnykFailureKind, text: string) =>
    new SnykApiError(kind, `Snyk API: could not ${operation}: ${text}`, status);

  if (status === 401)
    return line(
      'unauthorized',
      `401 Not authorised by ${at}${quoted}. Check SNYK_TOKEN (or SNYK_TOKEN_FILE), and that the token was issued in this region: a token of another region gets 401 (set SNYK_API_URL)`,
    );
  if (status === 403 && /not entitled/i.test(said))
    return line(
      'not_entitled',
      `403 not entitled for API access${quoted}. The v1 API, and so webhooks, needs a Snyk plan with API access (Enterprise)`,
    );
  if (status === 403)
    return line(
      'forbidden',
      `403 Forbidden${quoted}. The token's user or service account needs the org permissions View Organization and View, Create and Remove Outbound Webhooks`,
    );
  if (status === 404)
    return line(
      'not_found',
      `404 Not Found at ${at}${quoted}. Check the org ID (a UUID, in the org's settings in Snyk), the webhook ID (webhooks list), and SNYK_API_URL`,
    );
  if (status === 429) {
    const wait = failure.rateLimit?.retryAfterSeconds;
    const tries = failure.rateLimit?.attempts ?? 1;
    return line(
      'rate_limited',
      `429 Too Many Requests after ${tries} attempt${tries === 1 ? '' : 's'}${wait === undefined ? '' : ` (Retry-After ${wait} s)`}${quoted}. Snyk allows about 2,000 v1 requests a minute per token; try again in a minute`,
    );
  }
  if (status >= 500)
    return line(
      'server_error',
      `${status} from ${at}${quoted}. The fault is on Snyk's side; try again later (https://status.snyk.io)`,
    );
  if (status === 400 || status === 422)
    return line(
      'invalid_request',
      `${status} the request was refused${quoted}. For a new webhook: the URL must be https and reachable, not already registered in this org, and the secret long enough`,
    );
  if (status >= 300 && status < 400)
    return line(
      'unexpected_status',
      `${status} redirect${failure.location ? ` to ${failure.location}` : ''}, not followed so that the token stays with ${at}. Set SNYK_API_URL to the API host of your region`,
    );
  return line('unexpected_status', `unexpected ${status} from ${at}${quoted}`);
}

/** The error for a request that got no answer: refused, reset, unresolvable, or too slow. */
export function transportFailure(context: FailureContext, error: Error, timedOut: boolean): SnykApiError {
  const at = where(context.apiUrl);
  if (timedOut)
    return new SnykApiError(
      'timeout',
      `Snyk API: could not ${context.operation}: no answer from ${at} in time (${error.message}); check the network path to Snyk`,
    );
  const code = (error as NodeJS.ErrnoException).code;
  const reason = snykSaid(code ? `${code}: ${error.message}` : error.message, context.token);
  return new SnykApiError(
    'network',
    `Snyk API: could not ${context.operation}: ${at} unreachable (${reason}); check SNYK_API_URL, DNS, proxies and firewalls`,
  );
}

/** The error for a 2xx whose body is not what the v1 spec documents. */
export function responseFailure(context: FailureContext, status: number, expected: string): SnykApiError {
  return new SnykApiError(
    'bad_response',
    `Snyk API: could not ${context.operation}: ${where(context.apiUrl)} answered ${status} with a body that is not ${expected}; check SNYK_API_URL`,
    status,
  );
}
