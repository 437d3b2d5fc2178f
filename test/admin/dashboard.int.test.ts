// The queue dashboard's token check over real BullMQ queues: bearer, login form, cookies, read-only mode.
import { Queue, Worker } from 'bullmq';
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionValue, SESSION_COOKIE } from '../../src/admin/admin-auth.js';
import { createDashboard } from '../../src/admin/dashboard.js';
import { INGEST_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { capturedLog } from '../helpers/captured-log.js';
import { waitFor } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { BASE_PATH, serveDashboard, type ServedDashboard } from './dashboard-app.js';

const TOKEN = 'dashboard-test-token-0123456789';
const PREFIX = 'dash';
const TARGET_QUEUE = targetQueueName('siem');
const logger = winston.createLogger({ silent: true });
const fx = useTestRedis();

let queues: Queue[];
let failedJobId: string;
let app: ServedDashboard;
let readOnlyApp: ServedDashboard;

/** A fetch that never follows redirects and gives up after 10 s. */
function get(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000), ...init });
}

async function login(origin: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  return get(`${origin}${BASE_PATH}/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ token }).toString(),
  });
}

/** The name=value part of a Set-Cookie header. */
function cookiePair(response: Response): string {
  const header = response.headers.get('set-cookie') ?? '';
  return header.split(';')[0] ?? '';
}

const retryUrl = (origin: string, jobId: string) =>
  `${origin}${BASE_PATH}/api/queues/${TARGET_QUEUE}/${jobId}/retry`;

beforeAll(async () => {
  const connection = workerConnectionOptions(fx.redis.url);
  queues = [INGEST_QUEUE, TARGET_QUEUE].map((name) => new Queue(name, { connection, prefix: PREFIX }));
  const target = queues[1] as Queue;
  const job = await target.add('deliver', targetJobData('d1', 'siem'), { attempts: 1 });
  failedJobId = job.id as string;
  // A worker whose every delivery fails puts the job in the failed set, as a target worker's dead letter does.
  const worker = new Worker(
    TARGET_QUEUE,
    async () => {
      throw new Error('collector answered 500');
    },
    { connection, prefix: PREFIX },
  );
  await waitFor(async () => (await target.getJobState(failedJobId)) === 'failed', 15_000, 'the job to fail');
  await worker.close();
  app = await serveDashboard({ queues, token: TOKEN, readOnly: false, logger, proxy: true });
  readOnlyApp = await serveDashboard({ queues, token: TOKEN, readOnly: true, logger });
});

afterAll(async () => {
  await app?.close();
  await readOnlyApp?.close();
  await Promise.all((queues ?? []).map((queue) => queue.close()));
});

describe('without credentials', () => {
  it('answers API requests 401 JSON with a Bearer challenge', async () => {
    const response = await get(`${app.origin}${BASE_PATH}/api/queues`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="snyk-siem-forwarder admin"');
    expect(await response.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('redirects browsers (Accept: text/html) to the login form, for the board and its pages alike', async () => {
    for (const path of [BASE_PATH, `${BASE_PATH}/`, `${BASE_PATH}/queue/${TARGET_QUEUE}`]) {
      const response = await get(`${app.origin}${path}`, { headers: { Accept: 'text/html,*/*;q=0.8' } });
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location'), path).toBe(`${BASE_PATH}/login`);
    }
  });

  it('refuses the static files and the write API too, and leaves paths outside the base path alone', async () => {
    expect((await get(`${app.origin}${BASE_PATH}/static/favicon-32x32.png`)).status).toBe(401);
    expect((await get(retryUrl(app.origin, failedJobId), { method: 'PUT' })).status).toBe(401);
    const outside = await get(`${app.origin}/outside`);
    expect(outside.status).toBe(200);
    expect(await outside.text()).toBe('outside');
  });
});

describe('bearer token', () => {
  it('refuses a wrong token and an Authorization header of another scheme', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, 'Bearer wrong', `Basic ${btoa(`admin:${TOKEN}`)}`]) {
      const response = await get(`${app.origin}${BASE_PATH}/api/queues`, {
        headers: { Authorization: authorization },
      });
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('opens the board and its API with the right token', async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const page = await get(`${app.origin}${BASE_PATH}`, { headers: { ...headers, Accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const api = await get(`${app.origin}${BASE_PATH}/api/queues`, { headers });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    expect(body.queues.map((queue) => queue.name).sort()).toEqual([INGEST_QUEUE, TARGET_QUEUE]);
    expect(body.queues.find((queue) => queue.name === TARGET_QUEUE)?.counts.failed).toBe(1);
    // The dead letters of one target, as docs/dashboard.md lists them with curl.
    const failed = await get(
      `${app.origin}${BASE_PATH}/api/queues?activeQueue=${TARGET_QUEUE}&status=failed`,
      {
        headers,
      },
    );
    const { queues: shown } = (await failed.json()) as {
      queues: Array<{ name: string; jobs: Array<{ id: string }> }>;
    };
    expect(shown.find((queue) => queue.name === TARGET_QUEUE)?.jobs.map((job) => job.id)).toEqual([
      failedJobId,
    ]);
  });
});

describe('login form and session cookie', () => {
  it('shows a form that posts the token', async () => {
    const response = await get(`${app.origin}${BASE_PATH}/login`, { headers: { Accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain(`<form method="post" action="${BASE_PATH}/login">`);
    expect(html).toContain('name="token" type="password"');
  });

  it('refuses a wrong token without setting a cookie', async () => {
    const response = await login(app.origin, 'not-the-token');
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('That is not the admin token.');
  });

  it('sets an HttpOnly, SameSite=Strict session cookie, no copy of the token, that opens the board', async () => {
    const response = await login(app.origin, TOKEN);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(BASE_PATH);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=v1\\.\\d+\\.[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain(`path=${BASE_PATH}`);
    expect(setCookie).toContain('httponly');
    expect(setCookie).toContain('samesite=strict');
    expect(setCookie).not.toContain('secure');
    expect(setCookie).not.toContain(TOKEN);
    const api = await get(`${app.origin}${BASE_PATH}/api/queues`, {
      headers: { Cookie: cookiePair(response) },
    });
    expect(api.status).toBe(200);
  });

  it('marks the cookie Secure when the request came over HTTPS', async () => {
    // The test app trusts X-Forwarded-Proto (app.proxy), as behind a proxy that ends TLS.
    const response = await login(app.origin, TOKEN, { 'X-Forwarded-Proto': 'https' });
    expect(response.status).toBe(303);
    expect(response.headers.get('set-cookie')).toContain('; secure');
  });

  it('refuses forged, expired and other-token cookies', async () => {
    const future = Math.floor(Date.now() / 1000) + 3600;
    const cookies = {
      forged: `v1.${future}.${'A'.repeat(43)}`,
      'another token': sessionValue('another-token-0123456789', future),
      expired: sessionValue(TOKEN, Math.floor(Date.now() / 1000) - 1),
      'the raw token': TOKEN,
    };
    for (const [what, value] of Object.entries(cookies)) {
      const response = await get(`${app.origin}${BASE_PATH}/api/queues`, {
        headers: { Cookie: `${SESSION_COOKIE}=${value}` },
      });
      expect(response.status, what).toBe(401);
    }
  });

  it('refuses a cross-origin write with the cookie, and lets a same-origin one retry the failed job', async () => {
    const cookie = cookiePair(await login(app.origin, TOKEN));
    const crossSite = await get(retryUrl(app.origin, failedJobId), {
      method: 'PUT',
      headers: { Cookie: cookie, Origin: 'http://127.0.0.2:8080' },
    });
    expect(crossSite.status).toBe(403);
    const target = queues[1] as Queue;
    expect(await target.getJobState(failedJobId)).toBe('failed');
    const sameSite = await get(retryUrl(app.origin, failedJobId), {
      method: 'PUT',
      headers: { Cookie: cookie, Origin: app.origin },
    });
    expect(sameSite.status).toBe(204);
    // No worker runs: the retried job waits.
    expect(await target.getJobState(failedJobId)).toBe('waiting');
  });

  it('refuses a login form that is too large', async () => {
    const response = await login(app.origin, 'x'.repeat(10_000));
    expect(response.status).toBe(413);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('logs out by clearing the cookie', async () => {
    const response = await get(`${app.origin}${BASE_PATH}/logout`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${BASE_PATH}/login`);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect(setCookie).toContain('expires=Thu, 01 Jan 1970 00:00:00 GMT');
    expect(setCookie).toContain(`path=${BASE_PATH}`);
  });
});

describe('read-only mode', () => {
  it('shows the queues but refuses the retry API (405) and leaves the job as it was', async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const target = queues[1] as Queue;
    const before = await target.getJobState(failedJobId);
    const list = await get(`${readOnlyApp.origin}${BASE_PATH}/api/queues`, { headers });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(body.queues.every((queue) => queue.readOnlyMode)).toBe(true);
    const retry = await get(retryUrl(readOnlyApp.origin, failedJobId), { method: 'PUT', headers });
    expect(retry.status).toBe(405);
    expect(await target.getJobState(failedJobId)).toBe(before);
  });
});

describe('without a token', () => {
  it('returns undefined and logs one warn line that says how to enable the dashboard', () => {
    const log = capturedLog();
    expect(
      createDashboard({ queues, token: undefined, readOnly: false, basePath: BASE_PATH, logger: log.logger }),
    ).toBe(undefined);
    const warns = log.lines().filter((line) => line.level === 'warn');
    expect(warns).toHaveLength(1);
    expect(String(warns[0]?.message)).toMatch(/dashboard disabled.*admin\.token.*ADMIN_TOKEN/);
  });
});
