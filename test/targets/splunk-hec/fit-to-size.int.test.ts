// Fit to size for Splunk HEC end to end: by default no event passes Splunk's default TRUNCATE of 10,000 bytes, so
// Splunk never cuts a record mid-JSON; maxRecordBytes: 0 (for a sourcetype with TRUNCATE = 0) sends it whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLettersOf, startForwarder, waitFor, type TestForwarder } from '../../helpers/forwarder.js';
import {
  startSplunkHecPeer,
  type HecEvent,
  type SplunkHecPeer,
} from '../../helpers/peers/splunk-hec-peer.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis-server.js';
import { fixture, postWebhook } from '../../helpers/webhook.js';

const MARKER = '…[truncated]';
const ADVISORY_BYTES = 25 * 1024;

/** The large real snapshot with a 25 KB advisory on its first issue (three findings and a summary). */
function bigBody(): string {
  const body = JSON.parse(
    fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json').toString('utf8'),
  ) as { newIssues: Array<{ issueData: { description: string } }> };
  const first = body.newIssues[0];
  if (first === undefined) throw new Error('the fixture has no new issue');
  const paragraph =
    '## Details\nPrototype pollution lets an attacker add `__proto__` properties: "a=b" & C:\\x.\n\n';
  first.issueData.description = paragraph
    .repeat(Math.ceil(ADVISORY_BYTES / paragraph.length))
    .slice(0, ADVISORY_BYTES);
  return JSON.stringify(body);
}

/** What Splunk indexes as the event's raw text: the JSON document, or the string of a CEF/LEEF line. */
function rawBytes(event: HecEvent): number {
  return Buffer.byteLength(
    typeof event.event === 'string' ? event.event : JSON.stringify(event.event),
    'utf8',
  );
}

let peer: SplunkHecPeer;
let redis: TestRedis;
let forwarder: TestForwarder;

beforeAll(async () => {
  peer = await startSplunkHecPeer();
  redis = await startTestRedis();
  const hec = { type: 'splunk-hec', url: peer.url, token: peer.token };
  forwarder = await startForwarder({
    redisUrl: redis.url,
    config: {
      targets: [
        // Only what a user writes: the default format (json) and the default record budget.
        { ...hec, name: 'hec-json', source: 'json' },
        { ...hec, name: 'hec-ecs', source: 'ecs', format: 'ecs' },
        { ...hec, name: 'hec-whole', source: 'whole', maxRecordBytes: 0 },
      ],
    },
  });
});

afterAll(async () => {
  await forwarder?.stop();
  await redis?.cleanup();
  await peer?.close();
});

describe('splunk-hec record budget', () => {
  it('by default a record with a 25 KB advisory arrives within 10,000 bytes per event, cut and marked', async () => {
    expect((await postWebhook(forwarder.webhookUrl, bigBody())).status).toBe(202);
    const bySource = (source: string): HecEvent[] => peer.events.filter((e) => e.source === source);
    await waitFor(
      () => ['json', 'ecs', 'whole'].every((s) => bySource(s).length >= 4),
      30_000,
      'four events per target',
    );

    for (const source of ['json', 'ecs']) {
      const events = bySource(source);
      expect(events).toHaveLength(4);
      for (const event of events) expect(rawBytes(event), `${source} event size`).toBeLessThanOrEqual(10_000);
    }
    const json = bySource('json').map((e) => e.event as Record<string, unknown>);
    const cut = json.filter((doc) => Array.isArray(doc['truncated_fields']));
    expect(cut).toHaveLength(1);
    const [doc] = cut;
    expect(doc?.['truncated_fields']).toEqual(['description']);
    expect(doc?.['issue_id']).toBe('SNYK-JS-TYPEORM-590152');
    expect(doc?.['cves']).toEqual(['CVE-2020-8158']);
    expect((doc?.['description'] as string).endsWith(MARKER)).toBe(true);
    // The advisory keeps what the budget allows: the event is close to 10,000 bytes, not cut to a stub.
    expect(rawBytes(bySource('json').find((e) => e.event === doc) as HecEvent)).toBeGreaterThan(9_900);

    const ecs = bySource('ecs').map((e) => e.event as { snyk: { truncated_fields?: string[] } });
    expect(
      ecs.filter((d) => d.snyk.truncated_fields !== undefined).map((d) => d.snyk.truncated_fields),
    ).toEqual([['description']]);

    // maxRecordBytes: 0 leaves the record whole, for a sourcetype whose TRUNCATE is 0.
    const whole = bySource('whole').map(rawBytes);
    expect(Math.max(...whole)).toBeGreaterThan(ADVISORY_BYTES);

    for (const target of ['hec-json', 'hec-ecs', 'hec-whole'])
      expect(await deadLettersOf(redis.url, forwarder.prefix, target)).toEqual([]);
  }, 60_000);
});
