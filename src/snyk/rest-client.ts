// Snyk's REST API (JSON:API): GET one page, follow links.next, pace requests with a token bucket, honour Retry-After.
import {
  createHttpAgent,
  httpRequest,
  RequestTimeoutError,
  type HttpResponse,
} from '../targets/shared/http-request.js';
import { parseRetryAfter } from '../targets/shared/classify-http.js';
import { packageVersion } from '../telemetry/version.js';
import {
  responseFailure,
  SnykApiError,
  snykSaid,
  statusFailure,
  transportFailure,
  type FailureContext,
} from './api-error.js';
import { createTokenBucket, SNYK_REST_REQUESTS_PER_MINUTE, type TokenBucket } from './token-bucket.js';

/**
 * The pinned API version: the first GA version of the Issues endpoints is 2024-01-23, and projects return
 * `meta.latest_issue_counts` from 2024-05-31 on; one date serves both (REST versioning: every request names a
 * `version=YYYY-MM-DD`, https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api).
 */
export const SNYK_REST_VERSION = '2024-05-31';

/** The largest page the REST API serves: `limit` is 10 to 100, in steps of 10. */
export const SNYK_REST_PAGE_LIMIT = 100;

/** Without Retry-After, a 429 lasts "the duration of the rate-limiting interval (one minute)". */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

export interface RestPage {
  data: unknown[];
  /** links.next as Snyk gave it, to pass to getPage; undefined on the last page. */
  next: string | undefined;
}

export interface SnykRestClientOptions {
  /** The API origin (regions.ts parseApiUrl); REST is below /rest. */
  apiUrl: string;
  token: string;
  timeoutMs?: number;
  /** Attempts of one request while Snyk answers 429 or 5xx or cannot be reached, the first included. */
  attempts?: number;
  /** The longest Retry-After waited for; a longer one fails the request (the run resumes from its cursor). */
  maxRetryAfterMs?: number;
  /** Paces every request; shared by the requests of one process. Default: Snyk's 1,620 a minute. */
  bucket?: TokenBucket;
  /** Told before each wait Snyk asked for (429) or a 5xx backoff. */
  onWait?: (waitMs: number, reason: string) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface SnykRestClient {
  /** One page: `path` is below /rest (e.g. /orgs/{id}/issues) with its query, or a links.next of an earlier page. */
  getPage(
    pathOrNext: string,
    query?: Record<string, string | undefined>,
    operation?: string,
  ): Promise<RestPage>;
  /** Requests sent so far, retries included (API cost, docs/reconcile.md). */
  readonly requests: number;
  close(): void;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A 403 or 429 worded for the REST endpoints reconciliation reads; everything else as the v1 client says it. */
function restStatusFailure(
  context: FailureContext,
  response: HttpResponse,
  attempts: number,
  retryAfterMs?: number,
) {
  const said = snykSaid(response.body, context.token);
  const quoted = said === '' ? '' : `; Snyk said "${said}"`;
  const line = (kind: 'forbidden' | 'rate_limited', text: string) =>
    new SnykApiError(kind, `Snyk API: could not ${context.operation}: ${text}`, response.status);
  if (response.status === 403 && !/not entitled/i.test(said))
    return line(
      'forbidden',
      `403 Forbidden${quoted}. Reconciliation needs the org permissions View Organization, View Project and View Project Snapshot (docs/reconcile.md)`,
    );
  if (response.status === 429)
    return line(
      'rate_limited',
      `429 Too Many Requests after ${attempts} attempt${attempts === 1 ? '' : 's'}${retryAfterMs === undefined ? '' : ` (Retry-After ${Math.ceil(retryAfterMs / 1000)} s)`}${quoted}. Snyk allows 1,620 REST requests a minute per token; the next run resumes from its cursor`,
    );
  return statusFailure({
    ...context,
    status: response.status,
    body: response.body,
    rateLimit: {
      attempts,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
    },
  });
}

/**
 * The URL of a page. links.next is relative in Snyk's answers, with or without the /rest prefix; an absolute one is
 * followed only on the API's own origin, so that the token never goes to another host.
 */
export function pageUrl(
  apiUrl: string,
  pathOrNext: string,
  query: Record<string, string | undefined> = {},
): URL {
  const api = new URL(apiUrl);
  let url: URL;
  if (/^https?:\/\//i.test(pathOrNext)) {
    url = new URL(pathOrNext);
    if (url.origin !== api.origin) throw new Error(`links.next leads to another host: ${url.origin}`);
  } else {
    const path = pathOrNext.startsWith('/rest/') ? pathOrNext : `/rest${pathOrNext}`;
    url = new URL(`${api.pathname.replace(/\/+$/, '')}${path}`, api.origin);
  }
  for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
  if (!url.searchParams.has('version')) url.searchParams.set('version', SNYK_REST_VERSION);
  return url;
}

export function createSnykRestClient(options: SnykRestClientOptions): SnykRestClient {
  const origin = new URL(options.apiUrl);
  const agent = createHttpAgent(origin, undefined, 4);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.attempts ?? 4);
  const maxWait = options.maxRetryAfterMs ?? 120_000;
  const bucket = options.bucket ?? createTokenBucket(SNYK_REST_REQUESTS_PER_MINUTE);
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  let requests = 0;
  const headers = {
    // "Authorization: token <API token>" for REST as for v1 (https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api).
    authorization: `token ${options.token}`,
    accept: 'application/vnd.api+json',
    'user-agent': `snyk-siem-forwarder/${packageVersion()}`,
  };

  async function send(url: URL, context: FailureContext): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt += 1) {
      const wait = bucket.take(now());
      if (wait > 0) await sleep(wait);
      requests += 1;
      let response: HttpResponse;
      try {
        response = await httpRequest({
          url,
          agent,
          method: 'GET',
          headers,
          timeoutMs,
          maxResponseBytes: 16 * 1_048_576,
        });
      } catch (error) {
        const failure = transportFailure(context, error as Error, error instanceof RequestTimeoutError);
        if (attempt >= attempts) throw failure;
        const backoff = 1000 * 2 ** (attempt - 1);
        options.onWait?.(backoff, failure.message);
        await sleep(backoff);
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], now());
      if (response.status === 429) {
        const waitMs = retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
        // Every request of this process waits, not only this one: Snyk counts the key, not the connection.
        bucket.pauseUntil(now() + waitMs);
        if (attempt < attempts && waitMs <= maxWait) {
          options.onWait?.(waitMs, `429 from Snyk while trying to ${context.operation}`);
          continue;
        }
      } else if (response.status >= 500 && attempt < attempts) {
        const backoff = Math.min(retryAfterMs ?? 1000 * 2 ** (attempt - 1), maxWait);
        options.onWait?.(backoff, `${response.status} from Snyk while trying to ${context.operation}`);
        await sleep(backoff);
        continue;
      }
      throw restStatusFailure(context, response, attempt, retryAfterMs);
    }
  }

  return {
    async getPage(pathOrNext, query = {}, operation = `read ${pathOrNext.split('?')[0]}`) {
      const context: FailureContext = { operation, apiUrl: options.apiUrl, token: options.token };
      const url = pageUrl(options.apiUrl, pathOrNext, query);
      const response = await send(url, context);
      let json: unknown;
      try {
        json = JSON.parse(response.body);
      } catch {
        throw responseFailure(context, response.status, 'a JSON:API document');
      }
      const document = json as { data?: unknown; links?: { next?: unknown } };
      if (typeof json !== 'object' || json === null || !Array.isArray(document.data))
        throw responseFailure(context, response.status, 'a JSON:API document with a data list');
      const next = document.links?.next;
      return { data: document.data, next: typeof next === 'string' && next !== '' ? next : undefined };
    },
    get requests() {
      return requests;
    },
    close() {
      agent.destroy();
    },
  };
}
