// Record budgets: a UDP syslog record sized to its budget always makes a datagram within maxMessageBytes, the other
// targets' defaults, the maxRecordBytes key, and fan-out's fitted lines and refusals.
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../../normalizers/index.js';
import { recordBudget } from '../../../src/targets/record-budget.js';
import { syslogRecordBudget } from '../../../src/targets/syslog/budget.js';
import { syslogTargetSchema } from '../../../src/targets/syslog/config.js';
import { createMessageEncoder } from '../../../src/targets/syslog/target.js';
import { targetSchema } from '../../../src/targets/target-schema.js';
import { fanOut, fanOutTargets } from '../../../src/workers/fan-out.js';
import { capturedIngestJob } from '../../helpers/job-data.js';
import type { EncodedRecord } from '../../../src/record-batch.js';

function syslog(input: Record<string, unknown>) {
  return syslogTargetSchema.parse({
    name: 's',
    type: 'syslog',
    host: '127.0.0.1',
    protocol: 'udp',
    ...input,
  });
}

function budgetOf(input: Record<string, unknown>): number | undefined {
  return recordBudget(targetSchema.parse(input));
}

const KINDS = ['finding', 'summary', 'generic'] as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', undefined] as const;

describe('syslog UDP record budget', () => {
  const cases: Record<string, unknown>[] = [
    {},
    { rfc: 3164 },
    { maxMessageBytes: 480 },
    { maxMessageBytes: 8192, facility: 23 },
    {
      hostname: 'h'.repeat(255),
      appName: 'a'.repeat(48),
      structuredDataId: 's'.repeat(32),
      facility: 'local7',
    },
    { hostname: 'siem-forwarder-01.example.com', rfc: 3164, appName: 'snyk' },
    { structuredDataId: false, facility: 0 },
  ];
  for (const input of cases) {
    it(`a record of exactly the budget fits the datagram: ${JSON.stringify(input).slice(0, 80)}`, () => {
      const options = syslog(input);
      const budget = syslogRecordBudget(options);
      if (budget === undefined) throw new Error('UDP has a budget');
      const maxMessage = options.maxMessageBytes ?? (options.rfc === 3164 ? 1024 : 2048);
      const message = createMessageEncoder(options);
      let largest = 0;
      for (const kind of KINDS) {
        for (const severity of SEVERITIES) {
          // The longest record id the normalizers make is 64 characters; multi-byte text counts in bytes.
          const body = 'é'.repeat(Math.floor(budget / 2)) + 'x'.repeat(budget % 2);
          const record: EncodedRecord = {
            id: 'I'.repeat(64),
            time: '2026-11-26T21:04:05.123Z',
            kind,
            severity,
            format: 'cef',
            body,
          };
          expect(Buffer.byteLength(body)).toBe(budget);
          largest = Math.max(largest, Buffer.byteLength(message(record), 'utf8'));
        }
      }
      expect(largest).toBeLessThanOrEqual(maxMessage);
      // The header estimate is tight: it only reserves the longest process id (10 digits).
      expect(maxMessage - largest).toBeLessThanOrEqual(10 - String(process.pid).length);
    });
  }

  it('is about 1.8 KB with the defaults: room for a real CEF finding without its advisory (about 1.2 KB)', () => {
    const budget = syslogRecordBudget(syslog({ hostname: 'fwd-1' }));
    expect(budget).toBeGreaterThan(1800);
    expect(budget).toBeLessThan(2048 - 100);
  });

  it('maxRecordBytes lowers it, never raises it past the datagram, and 0 turns fitting off', () => {
    const room = syslogRecordBudget(syslog({ hostname: 'fwd-1' })) ?? 0;
    expect(syslogRecordBudget(syslog({ hostname: 'fwd-1', maxRecordBytes: 1000 }))).toBe(1000);
    expect(syslogRecordBudget(syslog({ hostname: 'fwd-1', maxRecordBytes: 60_000 }))).toBe(room);
    expect(syslogRecordBudget(syslog({ maxRecordBytes: 0 }))).toBeUndefined();
  });

  it('TCP and TLS have no budget unless maxRecordBytes sets one (a SIEM line limit)', () => {
    expect(syslogRecordBudget(syslog({ protocol: 'tcp' }))).toBeUndefined();
    expect(syslogRecordBudget(syslog({ protocol: 'tls' }))).toBeUndefined();
    expect(syslogRecordBudget(syslog({ protocol: 'tcp', maxRecordBytes: 4096 }))).toBe(4096);
    expect(syslogRecordBudget(syslog({ protocol: 'tls', maxRecordBytes: 8192 }))).toBe(8192);
  });
});

describe('maxRecordBytes and the other targets', () => {
  it('splunk-hec defaults to Splunk’s TRUNCATE of 10,000 bytes; 0 lifts it', () => {
    const hec = { name: 'h', type: 'splunk-hec', url: 'https://splunk.example:8088', token: 't' };
    expect(budgetOf(hec)).toBe(10_000);
    expect(budgetOf({ ...hec, maxRecordBytes: 50_000 })).toBe(50_000);
    expect(budgetOf({ ...hec, maxRecordBytes: 0 })).toBeUndefined();
  });

  it('http, elasticsearch, file and rapid7 have none unless set', () => {
    const http = { name: 'w', type: 'http', url: 'https://collector.example/in' };
    expect(budgetOf(http)).toBeUndefined();
    expect(budgetOf({ ...http, maxRecordBytes: 3000 })).toBe(3000);
    expect(budgetOf({ name: 'e', type: 'elasticsearch', url: 'https://es.example:9200' })).toBeUndefined();
    expect(budgetOf({ name: 'f', type: 'file', path: '/var/lib/x.ndjson' })).toBeUndefined();
    const rapid7 = { name: 'r', type: 'rapid7', transport: 'syslog', endpoint: 'collector.example:6514' };
    expect(budgetOf(rapid7)).toBeUndefined();
    expect(budgetOf({ ...rapid7, maxRecordBytes: 4096 })).toBe(4096);
  });

  it('refuses a budget below 512 bytes (a slip: even a summary is about 1 KB), accepts 0', () => {
    const parsed = syslogTargetSchema.safeParse({
      name: 's',
      type: 'syslog',
      host: 'h',
      maxRecordBytes: 100,
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('\n')).toContain(
      'maxRecordBytes is 0 (no limit) or at least 512',
    );
    expect(
      syslogTargetSchema.safeParse({ name: 's', type: 'syslog', host: 'h', maxRecordBytes: 0 }).success,
    ).toBe(true);
    expect(
      syslogTargetSchema.safeParse({ name: 's', type: 'syslog', host: 'h', maxRecordBytes: 1.5 }).success,
    ).toBe(false);
  });
});

describe('fan-out with record budgets', () => {
  const data = capturedIngestJob();
  const body = data.body;
  const udp = { type: 'syslog', host: '127.0.0.1', protocol: 'udp', hostname: 'fwd-1' };

  it('fits each record to its target: every CEF line within the UDP budget, the long advisories cut', () => {
    const targets = fanOutTargets([targetSchema.parse({ ...udp, name: 'cef' })]);
    const budget = targets[0]?.recordBudget ?? 0;
    expect(budget).toBeGreaterThan(1800);
    const [job] = fanOut(data, 'd-1', targets);
    expect(job?.records).toHaveLength(4);
    expect(job?.rejected).toBeUndefined();
    for (const record of job?.records ?? [])
      expect(Buffer.byteLength(record.body)).toBeLessThanOrEqual(budget);
    expect(job?.records.filter((r) => r.body.includes(' snykTruncated=description '))).toHaveLength(3);
  });

  it('delivers a finding with every block over UDP: its extra lists give way, its fix and ids stay', () => {
    // SNYK-JS-TYPEORM-590152 with EPSS, per-source severities, exploit details and remediation: without its
    // advisory it is still about 1.9 KB as CEF or LEEF, over the 1.8 KB a default datagram leaves.
    const full = capturedIngestJob('project_snapshot-v0.full-issue.json');
    for (const format of ['cef', 'leef', 'json'] as const) {
      const targets = fanOutTargets([targetSchema.parse({ ...udp, name: format, format })]);
      const budget = targets[0]?.recordBudget ?? 0;
      const [job] = fanOut(full, 'd-1', targets);
      expect(job?.rejected, format).toBeUndefined();
      const finding = job?.records.find((r) => r.body.includes('SNYK-JS-TYPEORM-590152'));
      if (finding === undefined) throw new Error(`${format}: the full finding is missing`);
      expect(Buffer.byteLength(finding.body), format).toBeLessThanOrEqual(budget);
      // The version that fixes it and the path to it are what an analyst acts on: never given up.
      expect(finding.body, format).toContain('0.2.25');
      if (format === 'json') {
        const doc = JSON.parse(finding.body) as Record<string, unknown>;
        expect(doc['truncated_fields']).toEqual(expect.arrayContaining(['description', 'severities']));
        expect(doc['truncated_fields']).not.toContain('issue_title');
        expect(doc['issue_title']).toBe('Prototype Pollution');
        expect(doc['upgrade_path']).toBeDefined();
        expect(doc['epss_probability']).toBeDefined();
      }
    }
  });

  it('refuses only records that cannot fit without their text, kept whole for the dead-letter queue', () => {
    // An ECS finding is about 2.3 KB without advisory and title, over what a 2048-byte datagram leaves.
    const [job] = fanOut(
      data,
      'd-1',
      fanOutTargets([targetSchema.parse({ ...udp, name: 'ecs', format: 'ecs' })]),
    );
    const records = job?.records ?? [];
    expect(records).toHaveLength(4);
    const refused = Object.entries(job?.rejected ?? {});
    expect(refused).toHaveLength(3);
    const findings = normalize(JSON.parse(body) as unknown, {
      ...data,
      payloadBytes: body.length,
      bodySha256: 'x',
    });
    for (const [id, reason] of refused) {
      expect(reason).toMatch(
        /^record_too_large: \d+ bytes as ecs, still \d+ without what may give way, over the target's record budget of \d+ bytes$/,
      );
      const record = findings.find((r) => r.recordId === id);
      expect(record?.kind).toBe('finding');
      expect(records.find((r) => r.id === id)?.body).toBe(
        encode(record as NonNullable<typeof record>, 'ecs'),
      );
    }
    // The summary fits and goes out.
    expect(records.filter((r) => !(r.id in (job?.rejected ?? {}))).map((r) => r.kind)).toEqual(['summary']);
  });

  it('gives targets alike the same lines, and a TCP target its lines uncut', () => {
    const [a, b, c] = fanOut(
      data,
      'd-1',
      fanOutTargets([
        targetSchema.parse({ ...udp, name: 'a' }),
        targetSchema.parse({ ...udp, name: 'b' }),
        targetSchema.parse({ ...udp, name: 'c', protocol: 'tcp' }),
      ]),
    );
    expect(a?.records.map((r) => r.body)).toEqual(b?.records.map((r) => r.body));
    // Over TCP nothing is cut: the CEF line keeps msg's first 1,023 characters of the advisory.
    expect(c?.records.some((r) => r.body.includes('snykTruncated'))).toBe(false);
  });
});
