// "Records delivered." logs and the records_delivered_total counter report what each target type's peer received.
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';
import { startSyslogNg, type TestSyslogNg } from '../helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../helpers/test-ca.js';
import { startCollectorPeer, type CollectorPeer } from '../helpers/peers/collector-peer.js';
import { startElasticsearchPeer, type ElasticsearchPeer } from '../helpers/peers/elasticsearch-peer.js';
import { startSplunkHecPeer, type SplunkHecPeer } from '../helpers/peers/splunk-hec-peer.js';
import { startHttpPeer, type HttpPeer } from '../helpers/peers/http-peer.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

// Five new issues and the snapshot summary: several records, so batch targets checkpoint more than one id.
const body = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');
const RECORDS = 6;
const RAPID7_TOKEN = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';

let redis: TestRedis;
let pki: TestPki;
let syslogNg: TestSyslogNg;
let collector: CollectorPeer;
let hec: SplunkHecPeer;
let elasticsearch: ElasticsearchPeer;
let rapid7: HttpPeer;
let rapid7Received = 0;
let forwarder: TestForwarder;

beforeAll(async () => {
  redis = await startTestRedis();
  pki = makeTestPki();
  syslogNg = await startSyslogNg(pki);
  collector = await startCollectorPeer();
  hec = await startSplunkHecPeer();
  elasticsearch = await startElasticsearchPeer();
  rapid7 = await startHttpPeer({
    tls: { cert: readFileSync(pki.serverCertFile, 'utf8'), key: readFileSync(pki.serverKeyFile, 'utf8') },
    handle(request) {
      if (request.url !== `/v1/noformat/${RAPID7_TOKEN}`) return { status: 404 };
      rapid7Received += 1;
      return { status: 204 };
    },
    failures: { transient: { status: 503 }, permanent: { status: 400 }, throttled: { status: 429 } },
  });
  forwarder = await startForwarder({
    redisUrl: redis.url,
    config: {
      targets: [
        { name: 'file', type: 'file', format: 'json', path: join(pki.dir, 'records.ndjson') },
        {
          name: 'syslog',
          type: 'syslog',
          host: '127.0.0.1',
          port: syslogNg.ports.tcp,
          protocol: 'tcp',
        },
        { name: 'http', type: 'http', url: `${collector.url}/ingest` },
        { name: 'hec', type: 'splunk-hec', url: hec.url, token: hec.token },
        { name: 'es', type: 'elasticsearch', url: elasticsearch.url, index: 'snyk-findings' },
        {
          name: 'rapid7',
          type: 'rapid7',
          token: RAPID7_TOKEN,
          endpoint: rapid7.url,
          tls: { ca: pki.caFile },
        },
      ],
    },
  });
  expect((await postWebhook(forwarder.webhookUrl, body)).status).toBe(202);
});

afterAll(async () => {
  await forwarder?.stop();
  await Promise.all([collector?.close(), hec?.close(), elasticsearch?.close(), rapid7?.close()]);
  await syslogNg?.cleanup();
  await redis?.cleanup();
  pki?.cleanup();
});

/** The `records` field of every "Records delivered." line the forwarder logged for one target. */
function deliveredLogCounts(target: string): number[] {
  return forwarder
    .logs()
    .split('\n')
    .filter((line) => line.includes('"Records delivered."'))
    .map((line) => JSON.parse(line) as { target?: string; records?: number })
    .filter((entry) => entry.target === target)
    .map((entry) => entry.records ?? Number.NaN);
}

const targets: Array<{ type: string; name: string; received: () => number }> = [
  {
    type: 'file',
    name: 'file',
    received: () => {
      const file = join(pki.dir, 'records.ndjson');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
    },
  },
  { type: 'syslog (tcp, to syslog-ng)', name: 'syslog', received: () => syslogNg.read('tcp').length },
  { type: 'http', name: 'http', received: () => collector.documents.length },
  { type: 'splunk-hec', name: 'hec', received: () => hec.events.length },
  {
    type: 'elasticsearch',
    name: 'es',
    received: () => elasticsearch.indices.get('snyk-findings')?.size ?? 0,
  },
  { type: 'rapid7 (webhook)', name: 'rapid7', received: () => rapid7Received },
];

describe('delivered counts equal what the peer received', () => {
  for (const { type, name, received } of targets) {
    it(`${type}: the "Records delivered." lines and the counter add up to the records the peer got`, async () => {
      await waitFor(() => received() === RECORDS, 15_000, `${RECORDS} records at the ${type} peer`);
      const counts = await waitFor(
        () => {
          const logged = deliveredLogCounts(name);
          return logged.length > 0 ? logged : undefined;
        },
        10_000,
        `a "Records delivered." line for ${name}`,
      );
      expect(counts.reduce((sum, n) => sum + n, 0)).toBe(received());
      expect(await forwarder.daemon.counters.get('records_delivered_total', { target: name })).toBe(
        received(),
      );
    });
  }
});
