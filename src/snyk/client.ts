// Snyk's v1 webhook API: list, create, delete and ping, each failure one line, Retry-After honoured on 429.
import { z } from 'zod';
import { parseRetryAfter } from '../targets/shared/classify-http.js';
import {
  createHttpAgent,
  httpRequest,
  RequestTimeoutError,
  type HttpResponse,
} from '../targets/shared/http-request.js';
import { packageVersion } from '../telemetry/version.js';
import { responseFailure, statusFailure, transportFailure, type FailureContext } from './api-error.js';

/** A webhook as the v1 API lists it; the secret is write-only and never returned. */
export interface SnykWebhook {
  id: string;
  url: string;
}

export interface SnykClientOptions {
  /** The API origin (regions.ts parseApiUrl), e.g. https://api.eu.snyk.io; the v1 API is below /v1. */
  apiUrl: string;
  token: string;
  /** Bounds one request, from connect to the last byte of the answer. */
  timeoutMs?: number;
  /** Attempts of one call while Snyk answers 429, the first included. */
  rateLimitAttempts?: number;
  /** The longest Retry-After waited for; a longer one ends the call at once with its line. */
  maxRetryAfterMs?: number;
  /** Told before each wait on a 429 (the CLI says why it pauses). */
  onRateLimitWait?: (waitMs: number, operation: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface SnykClient {
  listWebhooks(org: string): Promise<SnykWebhook[]>;
  createWebhook(org: string, webhook: { url: string; secret: string }): Promise<SnykWebhook>;
  deleteWebhook(org: string, id: string): Promise<void>;
  pingWebhook(org: string, id: string): Promise<void>;
  close(): void;
}

const webhookShape = z.looseObject({ id: z.string().min(1), url: z.string() });
const listShape = z.looseObject({ results: z.array(webhookShape) });

/**
 * The wait when a 429 carries no Retry-After: Snyk rate-limits "until requests stop for the duration of the
 * rate-limiting interval (one minute)" (https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api).
 */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSnykClient(options: SnykClientOptions): SnykClient {
  const base = new URL(`${options.apiUrl}/v1/`);
  const agent = createHttpAgent(base, undefined, 4);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.rateLimitAttempts ?? 3);
  const maxWait = options.maxRetryAfterMs ?? 60_000;
  const sleep = options.sleep ?? defaultSleep;
  const headers = {
    // v1 authentication: "Authorization: token <API_TOKEN>" (https://docs.snyk.io/snyk-api/v1-api).
    authorization: `token ${options.token}`,
    accept: 'application/json',
    'user-agent': `snyk-siem-forwarder/${packageVersion()}`,
  };

  const orgPath = (org: string, rest = '') => new URL(`org/${encodeURIComponent(org)}/webhooks${rest}`, base);

  async function call(
    operation: string,
    method: string,
    url: URL,
    body?: unknown,
  ): Promise<{ response: HttpResponse; context: FailureContext }> {
    const context: FailureContext = { operation, apiUrl: options.apiUrl, token: options.token };
    const json = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 1; ; attempt += 1) {
      let response: HttpResponse;
      try {
        response = await httpRequest({
          url,
          agent,
          method,
          headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
          // Without a body a POST or DELETE would go out chunked; an empty one sends Content-Length: 0.
          ...(method === 'GET' ? {} : { body: json ?? '' }),
          timeoutMs,
          maxResponseBytes: 1_048_576,
        });
      } catch (error) {
        throw transportFailure(context, error as Error, error instanceof RequestTimeoutError);
      }
      if (response.status >= 200 && response.status < 300) return { response, context };
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], Date.now());
      const waitMs = retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS;
      if (response.status === 429 && attempt < attempts && waitMs <= maxWait) {
        options.onRateLimitWait?.(waitMs, operation);
        await sleep(waitMs);
        continue;
      }
      const location = response.headers.location;
      throw statusFailure({
        ...context,
        status: response.status,
        body: response.body,
        location: typeof location === 'string' ? location : undefined,
        rateLimit: {
          attempts: attempt,
          retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000),
        },
      });
    }
  }

  function parse<T>(
    shape: z.ZodType<T>,
    expected: string,
    { response, context }: { response: HttpResponse; context: FailureContext },
  ): T {
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      throw responseFailure(context, response.status, expected);
    }
    const parsed = shape.safeParse(json);
    if (!parsed.success) throw responseFailure(context, response.status, expected);
    return parsed.data;
  }

  return {
    async listWebhooks(org) {
      const answer = await call(`list the webhooks of org ${org}`, 'GET', orgPath(org));
      const list = parse(listShape, 'the documented {"results":[{"id","url"}]}', answer);
      return list.results.map(({ id, url }) => ({ id, url }));
    },
    async createWebhook(org, webhook) {
      const answer = await call(`create a webhook in org ${org}`, 'POST', orgPath(org), {
        url: webhook.url,
        secret: webhook.secret,
      });
      const { id, url } = parse(webhookShape, 'the documented {"id","url"}', answer);
      return { id, url };
    },
    async deleteWebhook(org, id) {
      await call(`delete webhook ${id} of org ${org}`, 'DELETE', orgPath(org, `/${encodeURIComponent(id)}`));
    },
    async pingWebhook(org, id) {
      await call(`ping webhook ${id} of org ${org}`, 'POST', orgPath(org, `/${encodeURIComponent(id)}/ping`));
    },
    close() {
      agent.destroy();
    },
  };
}
