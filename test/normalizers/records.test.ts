// Step 2 and the registry: which records a delivery yields, their ids, times and facets.
import { describe, expect, it } from 'vitest';
import { facets, KNOWN_EVENTS, normalize } from '../../normalizers/index.js';
import type { NormalizedRecord } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';

const MRZARQUON = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns';
const ASSEMBLED = 'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED';
const BODY_A = 'a'.repeat(64);
const BODY_B = 'b'.repeat(64);

describe('the event registry', () => {
  it('knows exactly ping/v0 and project_snapshot/v0', () => {
    expect([...KNOWN_EVENTS].sort()).toEqual(['ping/v0', 'project_snapshot/v0']);
  });

  it('yields no record for a ping, of any version', () => {
    expect(normalize(fixture('ping-v0.snyk-docs'), ctx({ event: 'ping/v0' }))).toEqual([]);
    expect(normalize(fixture('ping-v0.snyk-docs'), ctx({ event: 'ping/v1' }))).toEqual([]);
  });

  it('maps an unknown event to one generic record with the event name, org, project and payload size', () => {
    const records = normalize(fixture(ASSEMBLED), ctx({ event: 'project_snapshot/v1', payloadBytes: 3705 }));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'generic',
      action: 'event',
      severity: undefined,
      delivery: { event: 'project_snapshot/v1' },
      org: { id: 'a04d9cbd-ae6e-44af-b573-0556b0ad4bd2', name: 'My Org', slug: 'my-org' },
      project: { id: 'af137b96-6966-46c1-826b-2e79ac49bbd9', name: 'snyk/goof' },
      payloadBytes: 3705,
    });
  });

  it('never throws for an unknown event, whatever its body', () => {
    for (const body of [null, 42, 'text', [], { org: 'not an object', project: [1] }]) {
      const [record] = normalize(body, ctx({ event: 'something/v9' }));
      expect(record).toMatchObject({ kind: 'generic', org: undefined, project: undefined });
    }
  });
});

describe('records of a project snapshot', () => {
  it('yields one finding per new issue, one per removed issue, then one summary', () => {
    const body = fixture(MRZARQUON);
    body['removedIssues'] = [(body['newIssues'] as unknown[])[0]];
    const records = normalize(body, ctx());
    expect(records.map((r) => `${r.kind}:${r.action}`)).toEqual([
      'finding:issue_introduced',
      'finding:issue_introduced',
      'finding:issue_introduced',
      'finding:issue_resolved',
      'summary:snapshot',
    ]);
    expect(records[4]).toMatchObject({
      newTotal: 3,
      removedTotal: 1,
      newCounts: { low: 1, medium: 1, high: 1, critical: 0 },
      removedCounts: { low: 0, medium: 0, high: 1, critical: 0 },
      openCounts: { low: 0, medium: 5, high: 5, critical: 0 },
    });
  });

  it('derives ids from the signed body: the unsigned headers and the receipt time change none', () => {
    const ids = (overrides: Parameters<typeof ctx>[0]): string[] =>
      normalize(fixture(MRZARQUON), ctx(overrides)).map((r) => r.recordId);
    const first = ids({ bodySha256: BODY_A });
    expect(new Set(first).size).toBe(first.length);
    expect(
      ids({
        bodySha256: BODY_A,
        transportId: 'replayed-with-a-new-transport-id',
        snykTimestamp: '2031-01-01T00:00:00Z',
        receivedAt: '2031-01-01T00:00:01.000Z',
      }),
    ).toEqual(first);
    // Another body (a re-test changes project.lastTestedDate) is another delivery: no id in common.
    expect(ids({ bodySha256: BODY_B }).some((id) => first.includes(id))).toBe(false);
  });

  it('without the body hash, derives ids from the payload itself: same content, same ids', () => {
    const ids = (body: Record<string, unknown>, transportId: string): string[] =>
      normalize(body, ctx({ bodySha256: undefined, transportId })).map((r) => r.recordId);
    const first = ids(fixture(MRZARQUON), 'a');
    expect(ids(fixture(MRZARQUON), 'b')).toEqual(first);
    const retested = fixture(MRZARQUON);
    (retested['project'] as Record<string, unknown>)['lastTestedDate'] = '2031-01-01T00:00:00.000Z';
    expect(ids(retested, 'a').some((id) => first.includes(id))).toBe(false);
  });

  it('gives the same issue listed twice in one body two different ids', () => {
    const body = fixture(MRZARQUON);
    const issues = body['newIssues'] as unknown[];
    body['newIssues'] = [...issues, issues[0]];
    const records = normalize(body, ctx());
    expect(new Set(records.map((r) => r.recordId)).size).toBe(records.length);
    // The first occurrence keeps the id it has when it is listed once.
    expect(records[0]?.recordId).toBe(normalize(fixture(MRZARQUON), ctx())[0]?.recordId);
  });

  it('tells findings of the same issue apart by package', () => {
    const body = fixture(MRZARQUON);
    const issues = body['newIssues'] as Record<string, unknown>[];
    body['newIssues'] = [issues[0], { ...issues[0], pkgName: 'another-package' }];
    const [a, b] = normalize(body, ctx());
    expect(a?.recordId).not.toBe(b?.recordId);
  });

  it('gives an issue different ids when introduced and when resolved', () => {
    const body = fixture(MRZARQUON);
    body['removedIssues'] = [(body['newIssues'] as unknown[])[0]];
    const [introduced, , , resolved] = normalize(body, ctx());
    expect(introduced?.recordId).not.toBe(resolved?.recordId);
  });

  it('makes record ids of 40 base64url characters', () => {
    for (const r of normalize(fixture(MRZARQUON), ctx())) expect(r.recordId).toMatch(/^[A-Za-z0-9_-]{40}$/);
  });

  it('takes the time from X-Snyk-Timestamp when valid, else from receivedAt', () => {
    const timeOf = (snykTimestamp: string | undefined): string | undefined =>
      normalize(fixture(MRZARQUON), ctx({ snykTimestamp }))[0]?.time;
    expect(timeOf('2020-09-25T15:27:53Z')).toBe('2020-09-25T15:27:53.000Z');
    expect(timeOf('2020-09-25T17:27:53.123456+02:00')).toBe('2020-09-25T15:27:53.123Z');
    expect(timeOf(undefined)).toBe('2020-09-25T15:27:54.500Z');
    expect(timeOf('2020-02-30T00:00:00Z')).toBe('2020-09-25T15:27:54.500Z');
    expect(timeOf('not a time')).toBe('2020-09-25T15:27:54.500Z');
  });

  it('does not change with the clock: the same input gives deeply equal records', () => {
    expect(normalize(fixture(MRZARQUON), ctx())).toEqual(normalize(fixture(MRZARQUON), ctx()));
  });
});

describe('facets', () => {
  it('exposes id, kind, action, severity, time, org and project', () => {
    const records: NormalizedRecord[] = normalize(fixture(MRZARQUON), ctx());
    expect(facets(records[0] as NormalizedRecord)).toEqual({
      recordId: records[0]?.recordId,
      kind: 'finding',
      action: 'issue_introduced',
      severity: 'high',
      time: '2020-09-25T15:27:53.000Z',
      org: { id: '1b48e2c4-6ca8-455f-a73f-d2f6f2a6b225', name: 'Angrydome', slug: 'angrydome' },
      project: { id: '81795aea-7ce4-47bb-bea1-30f2b32a6d90', name: 'mrzarquon/goof:package.json' },
    });
    expect(facets(records[3] as NormalizedRecord)).toMatchObject({
      kind: 'summary',
      action: 'snapshot',
      severity: undefined,
    });
  });
});
