// A local fake of Snyk's v1 webhook API that checks every request, and pings a webhook the way Snyk does.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The contract, from Snyk's v1 reference (https://docs.snyk.io/snyk-api/reference/webhooks-v1) and v1 overview
 * (https://docs.snyk.io/snyk-api/v1-api):
 *   GET    /v1/org/{orgId}/webhooks                 → 200 {"results":[{"id","url"}],"total":n}
 *   POST   /v1/org/{orgId}/webhooks {"url","secret"} → 200 {"id","url"}, then a ping/v0 to the URL
 *   GET    /v1/org/{orgId}/webhooks/{webhookId}     → 200 {"id","url"}
 *   DELETE /v1/org/{orgId}/webhooks/{webhookId}     → 200, no body
 *   POST   /v1/org/{orgId}/webhooks/{webhookId}/ping → 200, then a ping/v0 to the URL
 * Every call needs `Authorization: token <token>`; otherwise 401 {"code":401,"error":"Not authorised",…}. "Webhooks can
 * only be configured for URLs using the HTTPS protocol". Not documented by Snyk, so taken from third parties and
 * marked so: 422 for a URL already registered in the org (Spike.sh), and 404 for an org the token cannot see.
 */
export interface SnykApiPeerOptions {
  token: string;
  /** The orgs that exist, by ID, with their names (the 403 "not entitled" message names the org). */
  orgs: Record<string, string>;
  /** Accept http://127.0.0.1 webhook URLs, so that a test's receiver on loopback can be registered. */
  allowLoopbackHttp?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface PingDelivery {
  webhookId: string;
  url: string;
  /** The receiver's status, or 0 when the request failed. */
  status: number;
  at: number;
}

export interface StoredWebhook {
  id: string;
  url: string;
  secret: string;
}

export type Operation = 'list' | 'get' | 'create' | 'delete' | 'ping';

/** An answer to give instead of the normal one, to the next `times` matching requests. */
export interface Fault {
  operation?: Operation;
  status: number;
  body?: string;
  headers?: Record<string, string>;
  times?: number;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

export class SnykApiPeer {
  readonly requests: RecordedRequest[] = [];
  /** Requests that broke the contract: a correct client leaves this empty. */
  readonly problems: string[] = [];
  readonly deliveries: PingDelivery[] = [];
  private readonly hooks = new Map<string, StoredWebhook[]>();
  private readonly faults: Fault[] = [];
  private readonly pending = new Set<Promise<void>>();
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly options: SnykApiPeerOptions) {
    for (const org of Object.keys(options.orgs)) this.hooks.set(org, []);
  }

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Registers a webhook as if created earlier, without the ping a create sends. */
  addWebhook(org: string, url: string, secret: string): StoredWebhook {
    const hook = { id: randomUUID(), url, secret };
    this.hooks.get(org)?.push(hook);
    return hook;
  }

  webhooks(org: string): StoredWebhook[] {
    return [...(this.hooks.get(org) ?? [])];
  }

  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests for one operation, in order. */
  calls(operation: Operation): RecordedRequest[] {
    return this.requests.filter(
      (request) => this.route(request.method, request.path)?.operation === operation,
    );
  }

  /** Waits until every ping sent so far got its answer. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private route(
    method: string,
    path: string,
  ): { operation: Operation; org: string; id?: string | undefined } | undefined {
    const match = /^\/v1\/org\/([^/]+)\/webhooks(?:\/([^/]+))?(\/ping)?$/.exec(path);
    if (!match) return undefined;
    const [, org, id, ping] = match as unknown as [string, string, string | undefined, string | undefined];
    if (ping !== undefined) return method === 'POST' && id ? { operation: 'ping', org, id } : undefined;
    if (id === undefined) {
      if (method === 'GET') return { operation: 'list', org };
      if (method === 'POST') return { operation: 'create', org };
      return undefined;
    }
    if (method === 'GET') return { operation: 'get', org, id };
    if (method === 'DELETE') return { operation: 'delete', org, id };
    return undefined;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const method = req.method ?? '';
    const path = req.url ?? '';
    this.requests.push({ method, path, headers: req.headers, body, at: Date.now() });
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      const text =
        payload === undefined ? '' : typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(status, {
        ...(text === '' ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        ...headers,
      });
      res.end(text);
    };
    const problem = (text: string, status = 400) => {
      this.problems.push(`${method} ${path}: ${text}`);
      reply(status, { code: status, message: text });
    };

    const route = this.route(method, path);
    if (!route) return problem('no such endpoint in the v1 webhook API', 404);
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('token ')) return problem('Authorization must be "token <API token>"', 401);
    if (auth !== `token ${this.options.token}`)
      return reply(401, { code: 401, error: 'Not authorised', message: 'Not authorised' });
    if (route.operation !== 'create' && body !== '') return problem('this request takes no body');
    if (route.operation === 'get' || route.operation === 'list') {
      if ('content-length' in req.headers && req.headers['content-length'] !== '0')
        return problem('a GET has no body');
    }

    const faultIndex = this.faults.findIndex(
      (fault) => fault.operation === undefined || fault.operation === route.operation,
    );
    if (faultIndex >= 0) {
      const fault = this.faults[faultIndex] as Fault;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(faultIndex, 1);
      return reply(fault.status, fault.body ?? '', fault.headers);
    }

    const hooks = this.hooks.get(route.org);
    if (!hooks) return reply(404, { code: 404, message: 'Org not found' });
    const hook = route.id === undefined ? undefined : hooks.find((candidate) => candidate.id === route.id);
    if (route.id !== undefined && !hook) return reply(404, { code: 404, message: 'Webhook not found' });

    switch (route.operation) {
      case 'list':
        return reply(200, { results: hooks.map(({ id, url }) => ({ id, url })), total: hooks.length });
      case 'get':
        return reply(200, { id: hook?.id, url: hook?.url });
      case 'delete':
        hooks.splice(hooks.indexOf(hook as StoredWebhook), 1);
        return reply(200);
      case 'ping':
        reply(200);
        return this.ping(hook as StoredWebhook);
      case 'create':
        return this.create(req, body, hooks, reply, problem);
    }
  }

  private create(
    req: http.IncomingMessage,
    body: string,
    hooks: StoredWebhook[],
    reply: (status: number, payload?: unknown) => void,
    problem: (text: string, status?: number) => void,
  ): void {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return problem('Content-Type must be application/json');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return problem('the body is not JSON');
    }
    const fields = parsed as { url?: unknown; secret?: unknown };
    const keys = Object.keys(parsed as object).sort();
    if (keys.join(',') !== 'secret,url')
      return problem(`the body must be {"url","secret"}, got keys ${keys.join(',')}`);
    if (typeof fields.url !== 'string' || typeof fields.secret !== 'string')
      return problem('url and secret must be strings');
    let url: URL;
    try {
      url = new URL(fields.url);
    } catch {
      return problem('url is not a URL', 422);
    }
    const loopbackHttp =
      url.protocol === 'http:' && LOOPBACK.has(url.hostname) && this.options.allowLoopbackHttp;
    if (url.protocol !== 'https:' && !loopbackHttp)
      return problem('Webhooks can only be configured for URLs using the HTTPS protocol');
    if (fields.secret.length < 16) return problem('secret too short', 422);
    if (hooks.some((hook) => hook.url === fields.url))
      return reply(422, { code: 422, message: 'A webhook with this url already exists' });
    const hook = { id: randomUUID(), url: fields.url, secret: fields.secret };
    hooks.push(hook);
    reply(200, { id: hook.id, url: hook.url });
    this.ping(hook);
  }

  /** Sends ping/v0 as Snyk does: compact body, X-Hub-Signature = sha256 HMAC of it with the webhook's secret. */
  private ping(hook: StoredWebhook): void {
    const url = new URL(hook.url);
    // Never off this machine: a webhook URL that is not loopback is recorded and not called.
    if (!LOOPBACK.has(url.hostname) || url.protocol !== 'http:') {
      this.deliveries.push({ webhookId: hook.id, url: hook.url, status: 0, at: Date.now() });
      return;
    }
    const body = JSON.stringify({ webhookId: hook.id });
    const delivery = new Promise<void>((resolve) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
            'user-agent': 'Snyk-Webhooks/044aadd',
            'x-snyk-event': 'ping/v0',
            'x-snyk-transport-id': randomUUID(),
            'x-snyk-timestamp': new Date().toISOString(),
            'x-hub-signature': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.deliveries.push({
              webhookId: hook.id,
              url: hook.url,
              status: res.statusCode ?? 0,
              at: Date.now(),
            });
            resolve();
          });
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        this.deliveries.push({ webhookId: hook.id, url: hook.url, status: 0, at: Date.now() });
        resolve();
      });
      req.end(body);
    });
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }
}

export async function startSnykApiPeer(options: SnykApiPeerOptions): Promise<SnykApiPeer> {
  return new SnykApiPeer(options).start();
}

/** Snyk's answer on every call when the org's plan has no API access (quoted in superplanehq/superplane PR 3021). */
export function notEntitled(orgName: string): Fault {
  return {
    status: 403,
    body: JSON.stringify({ code: 403, message: `The org ${orgName} is not entitled for api access` }),
  };
}
