// The v1 client against a local fake of Snyk's API that checks every request: shapes, auth, one-line errors, Retry-After.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SnykApiError } from '../../src/snyk/api-error.js';
import { createSnykClient, type SnykClient } from '../../src/snyk/client.js';
import { freePort } from '../helpers/free-port.js';
import { notEntitled, startSnykApiPeer, type SnykApiPeer } from '../helpers/peers/snyk-api-peer.js';

const TOKEN = 'c0ffee00-1111-4222-8333-444455556666';
const ORG = '0f3c2b1a-0000-4000-8000-00000000000a';
const SECRET = 'client-test-secret-0123456789abcdef';

let api: SnykApiPeer;
let client: SnykClient;
beforeAll(async () => {
  api = await startSnykApiPeer({ token: TOKEN, orgs: { [ORG]: 'acme' } });
  client = createSnykClient({ apiUrl: api.url, token: TOKEN, maxRetryAfterMs: 5000 });
});
afterAll(async () => {
  client.close();
  await api.close();
});
afterEach(() => {
  // Whatever a test did, the client never sent a request outside the documented contract.
  expect(api.problems).toEqual([]);
});

async function failure(call: Promise<unknown>): Promise<SnykApiError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SnykApiError);
  const apiError = error as SnykApiError;
  expect(apiError.message).not.toContain('\n');
  expect(apiError.message).not.toContain(TOKEN);
  return apiError;
}

describe('the Snyk v1 client', () => {
  it('creates, lists, pings and deletes with the documented methods, paths, headers and bodies', async () => {
    const from = api.requests.length;
    const created = await client.createWebhook(ORG, {
      url: 'https://siem.example.com/webhooks/snyk',
      secret: SECRET,
    });
    expect(created).toEqual({
      id: expect.any(String) as string,
      url: 'https://siem.example.com/webhooks/snyk',
    });
    expect(await client.listWebhooks(ORG)).toEqual([created]);
    await client.pingWebhook(ORG, created.id);
    await client.deleteWebhook(ORG, created.id);
    expect(await client.listWebhooks(ORG)).toEqual([]);

    const sent = api.requests.slice(from);
    expect(sent.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /v1/org/${ORG}/webhooks`,
      `GET /v1/org/${ORG}/webhooks`,
      `POST /v1/org/${ORG}/webhooks/${created.id}/ping`,
      `DELETE /v1/org/${ORG}/webhooks/${created.id}`,
      `GET /v1/org/${ORG}/webhooks`,
    ]);
    for (const request of sent) {
      expect(request.headers.authorization).toBe(`token ${TOKEN}`);
      expect(request.headers['user-agent']).toMatch(/^snyk-siem-forwarder\/\d+\.\d+\.\d+/);
    }
    expect(sent[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({
      url: 'https://siem.example.com/webhooks/snyk',
      secret: SECRET,
    });
    // The ping and the delete carry no body: Content-Length 0, not a chunked empty body.
    expect(sent[2]?.headers['content-length']).toBe('0');
    expect(sent[3]?.headers['content-length']).toBe('0');
    // The fake sent the create's and the ping's ping/v0; the URL is not loopback, so it recorded them unsent.
    expect(api.deliveries.filter((d) => d.webhookId === created.id)).toHaveLength(2);
  });

  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    api.inject({
      operation: 'list',
      status: 429,
      headers: { 'retry-after': '1' },
      body: '{"message":"Too many requests"}',
    });
    const from = api.requests.length;
    expect(await client.listWebhooks(ORG)).toEqual([]);
    const [first, second] = api.requests.slice(from);
    expect(second).toBeDefined();
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('gives up on a 429 after its attempts, or at once when Retry-After asks for too long, in one line', async () => {
    api.inject({ operation: 'list', status: 429, headers: { 'retry-after': '1' }, times: 3 });
    const error = await failure(client.listWebhooks(ORG));
    expect(error.kind).toBe('rate_limited');
    expect(error.message).toContain('429 Too Many Requests after 3 attempts (Retry-After 1 s)');

    api.inject({ operation: 'ping', status: 429, headers: { 'retry-after': '3600' } });
    const from = api.requests.length;
    const long = await failure(client.pingWebhook(ORG, 'd3cf26b3-2d77-497b-bce2-23b33cc15362'));
    expect(long.message).toContain('after 1 attempt (Retry-After 3600 s)');
    expect(api.requests.length - from).toBe(1);
  });

  it('reports 401, 403 not entitled, 403, 404 and 5xx, one line each', async () => {
    const wrong = createSnykClient({ apiUrl: api.url, token: 'not-the-token' });
    const unauthorized = await failure(wrong.listWebhooks(ORG));
    wrong.close();
    expect(unauthorized.kind).toBe('unauthorized');
    expect(unauthorized.message).toBe(
      `Snyk API: could not list the webhooks of org ${ORG}: 401 Not authorised by ${api.url}; Snyk said "Not authorised". Check SNYK_TOKEN (or SNYK_TOKEN_FILE), and that the token was issued in this region: a token of another region gets 401 (set SNYK_API_URL)`,
    );
    expect(unauthorized.message).not.toContain('not-the-token');

    api.inject({ operation: 'create', ...notEntitled('acme') });
    const entitled = await failure(
      client.createWebhook(ORG, { url: 'https://x.example.com/h', secret: SECRET }),
    );
    expect(entitled.kind).toBe('not_entitled');
    expect(entitled.message).toContain('The org acme is not entitled for api access');

    api.inject({ operation: 'delete', status: 403, body: '{"code":403,"message":"Forbidden"}' });
    expect((await failure(client.deleteWebhook(ORG, 'd3cf26b3-2d77-497b-bce2-23b33cc15362'))).kind).toBe(
      'forbidden',
    );

    const missing = await failure(client.deleteWebhook(ORG, 'd3cf26b3-2d77-497b-bce2-23b33cc15362'));
    expect(missing.kind).toBe('not_found');
    expect(missing.message).toContain('Snyk said "Webhook not found"');
    expect((await failure(client.listWebhooks('0f3c2b1a-0000-4000-8000-0000000000ff'))).kind).toBe(
      'not_found',
    );

    api.inject({ operation: 'list', status: 500, body: 'upstream failed' });
    const server = await failure(client.listWebhooks(ORG));
    expect(server.kind).toBe('server_error');
    expect(server.message).toContain('500 from');
  });

  it('refuses a 2xx whose body is not the documented shape, and names an unreachable host', async () => {
    api.inject({ operation: 'list', status: 200, body: '{"webhooks":[]}' });
    expect((await failure(client.listWebhooks(ORG))).kind).toBe('bad_response');

    const closed = createSnykClient({ apiUrl: `http://127.0.0.1:${await freePort()}`, token: TOKEN });
    const unreachable = await failure(closed.listWebhooks(ORG));
    closed.close();
    expect(unreachable.kind).toBe('network');
    expect(unreachable.message).toContain('ECONNREFUSED');
  });
});
