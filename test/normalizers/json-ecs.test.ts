// Flat JSON and ECS: exact round trip of every value, no raw line breaks, and ECS field validity per @elastic/ecs.
/* eslint-disable no-control-regex -- these tests look for control characters. */
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import { ecsProblems } from './ecs-check.js';
import { FORMATS, GOLDEN_CASES, readFixture } from './golden-cases.js';
import { ctx, fixture } from './helpers.js';

const POSTMAN = 'project_snapshot-v0.snyk-docs-slack-lambda-postman';

function hostileBody(title: string): Record<string, unknown> {
  const body = fixture(POSTMAN);
  const issue = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0];
  if (issue === undefined) throw new Error('fixture changed');
  issue.issueData['title'] = title;
  return body;
}

describe('flat JSON', () => {
  it('uses stable snake_case keys', () => {
    const [record] = normalize(fixture(POSTMAN), ctx());
    if (record === undefined) throw new Error('no record');
    const keys = Object.keys(JSON.parse(encode(record, 'json')) as object);
    expect(keys.every((k) => /^[a-z][a-z0-9_]*$/.test(k))).toBe(true);
    expect(keys).toEqual(
      expect.arrayContaining([
        'record_id',
        'issue_id',
        'cves',
        'has_fix',
        'project_id',
        'org_id',
        'severity',
      ]),
    );
  });

  it('round-trips hostile text exactly and escapes U+2028, U+2029, DEL and C1 controls', () => {
    const title = 'a\u2028b\u2029c\u007f\u009b[31m\r\n\u0000|=\\😀';
    const [record] = normalize(hostileBody(title), ctx());
    if (record === undefined) throw new Error('no record');
    for (const format of ['json', 'ecs'] as const) {
      const line = encode(record, format);
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      const parsed = JSON.parse(line) as { issue_title?: string; snyk?: { issue?: { title?: string } } };
      expect(format === 'json' ? parsed.issue_title : parsed.snyk?.issue?.title).toBe(title);
    }
  });
});

describe('ECS documents', () => {
  for (const c of GOLDEN_CASES) {
    it(`are valid ECS 9.4 for every record of ${c.name}`, () => {
      const f = readFixture(c.fixture).json;
      for (const record of normalize(c.body === undefined ? f : c.body(f), c.context)) {
        expect(ecsProblems(JSON.parse(encode(record, 'ecs')) as Record<string, unknown>)).toEqual([]);
      }
    });
  }

  it('flags a field that ECS does not define, a wrong type and a disallowed value (the check can fail)', () => {
    expect(
      ecsProblems({ vulnerability: { score: { base: '7.5' } }, event: { kind: 'finding' }, made: { up: 1 } }),
    ).toEqual([
      'vulnerability.score.base: expected a number, got 7.5',
      'event.kind: "finding" is not an allowed value',
      'made.up: not an ECS field',
    ]);
  });

  it('puts CVEs in vulnerability.id and the CVSS score in vulnerability.score.base', () => {
    const [record] = normalize(fixture(POSTMAN), ctx());
    if (record === undefined) throw new Error('no record');
    const doc = JSON.parse(encode(record, 'ecs')) as Record<string, Record<string, unknown>>;
    expect(doc['vulnerability']).toMatchObject({
      id: ['SNYK-JS-SCSSTOKENIZER-2339884', 'CVE-2022-25758'],
      enumeration: ['SNYK', 'CVE'],
      score: { base: 5.3, version: '3.1' },
      classification: 'CVSS',
      scanner: { vendor: 'Snyk' },
    });
    expect(doc['event']).toMatchObject({
      kind: 'alert',
      category: ['vulnerability'],
      type: ['info'],
      module: 'snyk',
      severity: 8,
    });
  });

  it('describes a container image under container.image', () => {
    const body = fixture('project_snapshot-v0.snyk-docs-fragments-ASSEMBLED');
    Object.assign(body['project'] as object, { type: 'apk', name: 'registry.example.com/team/app:latest' });
    const [record] = normalize(body, ctx());
    if (record === undefined) throw new Error('no record');
    const doc = JSON.parse(encode(record, 'ecs')) as Record<string, unknown>;
    expect(doc['container']).toEqual({
      image: {
        name: 'registry.example.com/team/app',
        tag: ['latest'],
        hash: { all: ['sha256:caf27325b298a6730837023a8a342699c8b7b388b8d878966b064a1320043019'] },
      },
    });
    expect(ecsProblems(doc)).toEqual([]);
  });
});

describe('fields used by the searches in docs/mapping.md', () => {
  const get = (doc: unknown, path: string): unknown =>
    path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);

  it('exist in ECS findings', () => {
    const [record] = normalize(fixture(POSTMAN), ctx());
    if (record === undefined) throw new Error('no record');
    const doc = JSON.parse(encode(record, 'ecs')) as unknown;
    expect(get(doc, 'event.dataset')).toBe('snyk.findings');
    expect(get(doc, 'event.id')).toBe(record.recordId);
    expect(get(doc, 'snyk.project.id')).toBe('bc75a806-0893-4ccf-84c5-8fde48a88df8');
    expect(get(doc, 'snyk.issue.has_fix')).toBe(false);
    expect(get(doc, 'snyk.issue.open_delta')).toBe(1);
    expect(get(doc, 'vulnerability.severity')).toBe('high');
  });

  it('exist in flat JSON findings', () => {
    const [record] = normalize(fixture(POSTMAN), ctx());
    if (record === undefined) throw new Error('no record');
    expect(JSON.parse(encode(record, 'json'))).toMatchObject({
      kind: 'finding',
      project_id: 'bc75a806-0893-4ccf-84c5-8fde48a88df8',
      severity: 'high',
      action: 'issue_introduced',
      has_fix: false,
      open_delta: 1,
      cves: ['CVE-2022-25758'],
    });
  });

  it("keep a generic record's event name at snyk.event and its size at snyk.payload_bytes", () => {
    const [record] = normalize({ webhookId: 'x' }, ctx({ event: 'project_created/v0', payloadBytes: 17 }));
    if (record === undefined) throw new Error('no record');
    const doc = JSON.parse(encode(record, 'ecs')) as unknown;
    expect(get(doc, 'snyk.event')).toBe('project_created/v0');
    expect(get(doc, 'snyk.payload_bytes')).toBe(17);
  });
});

describe('every format', () => {
  it('encodes every record of every fixture as one line without CR, LF or NUL', () => {
    for (const c of GOLDEN_CASES) {
      const f = readFixture(c.fixture).json;
      for (const record of normalize(c.body === undefined ? f : c.body(f), c.context)) {
        for (const format of FORMATS) expect(encode(record, format)).not.toMatch(/[\r\n\u0000]/);
      }
    }
  });
});
