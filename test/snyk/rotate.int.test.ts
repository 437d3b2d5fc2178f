// A rotation whose new webhook never verifies keeps the old webhook; one whose create fails takes its secret back.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSnykClient, type SnykClient } from '../../src/snyk/client.js';
import { rotateWebhook } from '../../src/snyk/rotate.js';
import { secretFingerprint } from '../../src/snyk/secret-fingerprint.js';
import { TEST_SECRET, useForwarder } from '../helpers/forwarder.js';
import { startSnykApiPeer, type SnykApiPeer } from '../helpers/peers/snyk-api-peer.js';

const TOKEN = 'c0ffee00-1111-4222-8333-444455556666';
const ORG = '0f3c2b1a-0000-4000-8000-00000000000a';
const fx = useForwarder();
const dir = mkdtempSync(join(tmpdir(), 'ssf-rotate-'));

let api: SnykApiPeer;
let client: SnykClient;
let redis: Redis;
beforeAll(async () => {
  api = await startSnykApiPeer({ token: TOKEN, orgs: { [ORG]: 'acme' }, allowLoopbackHttp: true });
  client = createSnykClient({ apiUrl: api.url, token: TOKEN });
  redis = new Redis(fx.redis.url);
});
afterAll(async () => {
  client?.close();
  redis?.disconnect();
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('rotateWebhook', { timeout: 60_000 }, () => {
  it("keeps the old webhook when the new one's ping never verifies (the receivers did not take the new secret)", async () => {
    const old = api.addWebhook(ORG, fx.forwarder.webhookUrl, TEST_SECRET);
    // A secrets file this forwarder does not read: its receiver refuses every ping signed with the new secret.
    const secretFile = join(dir, 'unread-secrets');
    writeFileSync(secretFile, `${TEST_SECRET}\n`, { mode: 0o600 });
    const said: string[] = [];
    let reloads = 0;
    const outcome = await rotateWebhook({
      client,
      redis,
      prefix: fx.forwarder.prefix,
      org: ORG,
      url: fx.forwarder.webhookUrl,
      secretFile,
      reload: async () => {
        reloads += 1;
      },
      timeoutMs: 3000,
      repingEveryMs: 1000,
      say: (line) => said.push(line),
    });
    expect(outcome.status).toBe('unverified');
    expect(reloads).toBe(1);
    const hooks = api.webhooks(ORG);
    expect(hooks.map((hook) => hook.id)).toContain(old.id);
    expect(hooks).toHaveLength(2);
    const fresh = hooks.find((hook) => hook.id !== old.id);
    // Snyk pinged at create and again while waiting; the receiver refused each one (401).
    await api.settled();
    const statuses = api.deliveries.filter((d) => d.webhookId === fresh?.id).map((d) => d.status);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    expect(new Set(statuses)).toEqual(new Set([401]));
    expect(api.calls('delete')).toEqual([]);
    const secrets = readFileSync(secretFile, 'utf8').trim().split('\n');
    expect(secrets).toHaveLength(2);
    if (outcome.status === 'unverified')
      expect(outcome.secrets.map((line) => [line.line, line.fingerprint, line.isNew])).toEqual([
        [1, secretFingerprint(TEST_SECRET), false],
        [2, secretFingerprint(secrets[1] ?? ''), true],
      ]);
    expect(said.join('\n')).not.toContain(secrets[1]);
    expect(api.problems).toEqual([]);
  });

  it('takes the new secret out of the file again when Snyk refuses the new webhook', async () => {
    const secretFile = join(dir, 'secrets');
    writeFileSync(secretFile, `${TEST_SECRET}\n`, { mode: 0o600 });
    api.inject({ operation: 'create', status: 422, body: '{"code":422,"message":"Invalid url"}' });
    const before = api.webhooks(ORG).length;
    let reloads = 0;
    const error = await rotateWebhook({
      client,
      redis,
      prefix: fx.forwarder.prefix,
      org: ORG,
      url: 'https://siem.example.com/webhooks/snyk',
      secretFile,
      reload: async () => {
        reloads += 1;
      },
      timeoutMs: 3000,
      say: () => undefined,
    }).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toContain('422 the request was refused; Snyk said "Invalid url"');
    expect(readFileSync(secretFile, 'utf8')).toBe(`${TEST_SECRET}\n`);
    // Once to take the new secret, once to drop it again.
    expect(reloads).toBe(2);
    expect(api.webhooks(ORG)).toHaveLength(before);
  });
});
