// Fit to size end to end: every real finding, full advisory and all, reaches a real syslog-ng over UDP with the default
// configuration, and over TCP within maxRecordBytes; nothing is dead-lettered.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalize, type NormalizedRecord } from '../../../normalizers/index.js';
import { deadLettersOf, startForwarder, waitFor, type TestForwarder } from '../../helpers/forwarder.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis-server.js';
import { startSyslogNg, type ParsedMessage, type TestSyslogNg } from '../../helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { fixture, postWebhook } from '../../helpers/webhook.js';
import { parseCef } from '../../normalizers/parsers/cef-parse.js';
import { parseLeef } from '../../normalizers/parsers/leef-parse.js';

/** The real snapshot fixtures; three findings of mrzarquon's carry 4.5-5.5 KB advisories. */
const FIXTURES = [
  'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns.json',
  'project_snapshot-v0.snyk-docs-slack-lambda-postman.json',
  'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED.json',
];
const MARKER = '…[truncated]';

/** The records the forwarder makes of the fixtures (ids derive from the body bytes, not from headers or time). */
/** The records the forwarder makes of fixture `name`. */
function recordsOf(name: string): NormalizedRecord[] {
  const body = fixture(name);
  return normalize(JSON.parse(body.toString('utf8')) as unknown, {
    event: 'project_snapshot/v0',
    transportId: 'expected',
    snykTimestamp: undefined,
    receivedAt: new Date().toISOString(),
    payloadBytes: body.length,
    bodySha256: createHash('sha256').update(body).digest('hex'),
  });
}

function expectedRecords(): NormalizedRecord[] {
  return FIXTURES.flatMap(recordsOf);
}

/** The record id syslog-ng read from STRUCTURED-DATA `[forwarder@32473 id="…"]`. */
function sdId(message: ParsedMessage): string {
  const match = /id="([^"]+)"/.exec(message.sdata);
  if (!match?.[1]) throw new Error(`no record id in SDATA ${message.sdata}`);
  return match[1];
}

/** Parses MSG strictly in its format and returns the record id and the fit marker it carries. */
function parseMsg(msg: string): { format: string; id: string | undefined; truncated: string | undefined } {
  if (msg.startsWith('CEF:')) {
    const ext = parseCef(msg).extension;
    return { format: 'cef', id: ext.get('externalId'), truncated: ext.get('snykTruncated') };
  }
  if (msg.startsWith('LEEF:')) {
    const attributes = parseLeef(msg).attributes;
    return { format: 'leef', id: attributes.get('recordId'), truncated: attributes.get('truncatedFields') };
  }
  const doc = JSON.parse(msg) as { record_id?: string; truncated_fields?: string[]; '@timestamp'?: string };
  const format = doc['@timestamp'] === undefined ? 'json' : 'ecs';
  return { format, id: doc.record_id, truncated: doc.truncated_fields?.join(', ') };
}

let pki: TestPki;
let syslogNg: TestSyslogNg;
let redis: TestRedis;
const forwarders: TestForwarder[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  syslogNg = await startSyslogNg(pki);
  redis = await startTestRedis();
});

afterAll(async () => {
  await Promise.allSettled(forwarders.map((f) => f.stop()));
  await redis?.cleanup();
  await syslogNg?.cleanup();
  pki?.cleanup();
});

async function forwarder(targets: Record<string, unknown>[]): Promise<TestForwarder> {
  const started = await startForwarder({ redisUrl: redis.url, config: { targets } });
  forwarders.push(started);
  for (const name of FIXTURES)
    expect((await postWebhook(started.webhookUrl, fixture(name))).status).toBe(202);
  return started;
}

async function expectNoDeadLetters(started: TestForwarder, targets: string[]): Promise<void> {
  for (const target of targets) {
    const dead = await deadLettersOf(redis.url, started.prefix, target);
    expect(
      dead.map((job) => job.failedReason),
      `dead letters of ${target}`,
    ).toEqual([]);
  }
}

describe('UDP with the default configuration (maxMessageBytes 2048)', () => {
  it('delivers every record of the real fixtures in CEF, LEEF and JSON, each parseable, none dead-lettered', async () => {
    const expected = expectedRecords();
    const ids = new Set(expected.map((r) => r.recordId));
    const findings = expected.filter((r) => r.kind === 'finding');
    expect(findings).toHaveLength(10);
    // Only what a user writes for a UDP collector: no size setting anywhere. CEF is the syslog target's default.
    const udp = { type: 'syslog', host: '127.0.0.1', port: syslogNg.ports.udp, protocol: 'udp' };
    const started = await forwarder([
      { ...udp, name: 'udp-cef' },
      { ...udp, name: 'udp-leef', format: 'leef' },
      { ...udp, name: 'udp-json', format: 'json' },
    ]);
    const ours = (messages: ParsedMessage[]) => messages.filter((m) => ids.has(sdId(m)));
    const received = ours(await syslogNg.waitFor('udp', (m) => ours(m).length >= 3 * ids.size, 30_000));

    for (const format of ['cef', 'leef', 'json']) {
      const got = received
        .map((m) => ({ message: m, parsed: parseMsg(m.msg) }))
        .filter((m) => m.parsed.format === format);
      const gotIds = new Set(got.map((m) => m.parsed.id));
      const gotFindings = got.filter((m) => m.message.msgid === 'finding');
      expect(
        { format, records: gotIds.size, findings: gotFindings.length },
        `${format}: ${gotFindings.length} of ${findings.length} findings arrived`,
      ).toEqual({ format, records: ids.size, findings: findings.length });
      expect(gotIds).toEqual(ids);
      for (const { message, parsed } of got) {
        // The id in the record is the id in the syslog header: nothing was cut from either.
        expect(parsed.id).toBe(sdId(message));
        // Only free text gives way: the advisory, then the title.
        if (parsed.truncated !== undefined)
          expect(['description', 'issue_title', 'description, issue_title']).toContain(parsed.truncated);
      }
      if (format !== 'leef') {
        // The three findings with 4.5-5.5 KB advisories had their advisory cut, and say so.
        const cut = gotFindings.filter((m) => m.parsed.truncated === 'description');
        expect(cut.length, `${format}: findings with a cut advisory`).toBeGreaterThanOrEqual(3);
      }
    }
    await expectNoDeadLetters(started, ['udp-cef', 'udp-leef', 'udp-json']);
  }, 90_000);
});

describe('TCP with maxRecordBytes: 4096', () => {
  it('delivers every record with each MSG within 4096 bytes, the long advisories cut', async () => {
    const expected = expectedRecords();
    const ids = new Set(expected.map((r) => r.recordId));
    const started = await forwarder([
      {
        name: 'tcp-json',
        type: 'syslog',
        host: '127.0.0.1',
        port: syslogNg.ports.tcp,
        protocol: 'tcp',
        format: 'json',
        maxRecordBytes: 4096,
      },
    ]);
    const ours = (messages: ParsedMessage[]) => messages.filter((m) => ids.has(sdId(m)));
    const received = ours(await syslogNg.waitFor('tcp', (m) => ours(m).length >= ids.size, 30_000));
    expect(new Set(received.map(sdId))).toEqual(ids);
    for (const message of received) {
      expect(Buffer.byteLength(message.msg, 'utf8')).toBeLessThanOrEqual(4096);
      expect(parseMsg(message.msg).id).toBe(sdId(message));
    }
    // JSON keeps the whole advisory, so every finding of the large fixture (6-7 KB) was cut to fit.
    // Three distinct records; TCP syslog is at-least-once, so a resend after a reset may deliver one twice.
    const cut = received.filter((m) => parseMsg(m.msg).truncated === 'description');
    expect(new Set(cut.map(sdId)).size).toBe(3);
    for (const message of cut) {
      // As much of the advisory as fits, then the marker; the line uses the budget, not a fraction of it.
      expect((JSON.parse(message.msg) as { description: string }).description.endsWith(MARKER)).toBe(true);
      expect(Buffer.byteLength(message.msg, 'utf8')).toBeGreaterThan(4096 - 16);
    }
    await expectNoDeadLetters(started, ['tcp-json']);
  }, 90_000);
});

describe('a record that cannot fit even without its text', () => {
  it('is dead-lettered whole as record_too_large while the rest of its delivery arrives', async () => {
    const body = fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');
    const records = recordsOf('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json');
    const findings = records.filter((r) => r.kind === 'finding').map((r) => r.recordId);
    const summary = records.find((r) => r.kind === 'summary')?.recordId;
    // ECS repeats ids and names in its own fields and under snyk.*: a finding is about 2.3 KB without its text.
    const started = await startForwarder({
      redisUrl: redis.url,
      config: {
        targets: [
          {
            name: 'udp-ecs',
            type: 'syslog',
            host: '127.0.0.1',
            port: syslogNg.ports.udp,
            protocol: 'udp',
            format: 'ecs',
          },
        ],
      },
    });
    forwarders.push(started);
    expect((await postWebhook(started.webhookUrl, body)).status).toBe(202);
    const dead = await waitFor(
      async () => {
        const failed = await deadLettersOf(redis.url, started.prefix, 'udp-ecs');
        return failed.length > 0 ? failed : undefined;
      },
      30_000,
      'the dead letter',
    );
    expect(dead).toHaveLength(1);
    const [job] = dead;
    expect(job?.data.deadLetter?.code).toBe('record_too_large');
    expect(job?.failedReason).toMatch(/^record_too_large: 3 record\(s\) refused: /);
    expect((job?.data.records as Array<{ id: string }>).map((r) => r.id).sort()).toEqual(
      [...findings].sort(),
    );
    // The other tests sent the same body in other formats (same record ids): only ECS documents count here.
    const ecs = (messages: ParsedMessage[]) => messages.filter((m) => m.msg.startsWith('{"@timestamp"'));
    const arrived = ecs(
      await syslogNg.waitFor('udp', (m) => ecs(m).some((x) => sdId(x) === summary), 30_000),
    );
    expect(arrived.filter((m) => sdId(m) === summary)).toHaveLength(1);
    expect(arrived.filter((m) => findings.includes(sdId(m)))).toEqual([]);
  }, 60_000);
});
