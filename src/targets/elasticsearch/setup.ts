// `targets setup` for Elasticsearch: installs the index template over the target's URL, credentials and TLS, once.
import type { ElasticsearchTargetConfig } from './config.js';
import { authorization, secretsOf } from './auth.js';
import { indexTemplateFor, storedFingerprint } from './index-template.js';
import { responseExcerpt } from '../shared/http-body.js';
import { createHttpAgent, describeUrl, httpRequest, type HttpResponse } from '../shared/http-request.js';

export interface SetupResult {
  /** `installed`: there was none; `updated`: another version was replaced; `up to date`: nothing was sent. */
  status: 'installed' | 'updated' | 'up to date';
  template: string;
  pattern: string;
}

/** A refusal by the cluster, or an answer that says nothing usable; the message names the request and the status. */
export class SetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupError';
  }
}

/**
 * GET `_index_template/<name>` (404 when missing), then PUT it when missing or different (get and put index template
 * APIs, https://www.elastic.co/docs/api/doc/elasticsearch/operation/operation-indices-put-index-template). Running it
 * again changes nothing. Network, TLS and timeout errors are thrown as they are.
 */
export async function installIndexTemplate(
  config: ElasticsearchTargetConfig,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<SetupResult> {
  const plan = indexTemplateFor(config.index);
  const url = new URL(config.url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/_index_template/${encodeURIComponent(plan.name)}`;
  const agent = createHttpAgent(url, config.tls, 1);
  const secrets = secretsOf(config);
  const headers = {
    'user-agent': 'snyk-siem-forwarder',
    accept: 'application/json',
    ...authorization(config),
  };
  const request = (method: 'GET' | 'PUT', body?: string): Promise<HttpResponse> =>
    httpRequest({
      url,
      agent,
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
  const refused = (method: string, response: HttpResponse): SetupError => {
    const excerpt = responseExcerpt(response.body, secrets);
    return new SetupError(
      `${method} ${describeUrl(url)}/_index_template/${plan.name} answered ${response.status}${excerpt === undefined ? '' : `: ${excerpt}`}`,
    );
  };
  try {
    const current = await request('GET');
    if (current.status !== 200 && current.status !== 404) throw refused('GET', current);
    const stored = current.status === 200 ? storedFingerprint(current.body, plan.name) : undefined;
    const result = { template: plan.name, pattern: plan.pattern };
    if (stored === plan.body._meta.fingerprint) return { status: 'up to date', ...result };
    const put = await request('PUT', JSON.stringify(plan.body));
    if (put.status !== 200 || !acknowledged(put.body)) throw refused('PUT', put);
    return { status: current.status === 404 ? 'installed' : 'updated', ...result };
  } finally {
    agent.destroy();
  }
}

function acknowledged(body: string): boolean {
  try {
    return (JSON.parse(body) as { acknowledged?: unknown }).acknowledged === true;
  } catch {
    return false;
  }
}
