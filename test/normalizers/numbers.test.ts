// Numbers in records: finite, within their field's range and within what every reader can hold, or dropped and named.
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { NormalizedRecord } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const MRZARQUON = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns';

type Json = Record<string, unknown>;

/** The capture's JSON text with its first issue changed by `change`. */
function textWith(change: (issue: Json, data: Json) => void): string {
  const body = fixture(MRZARQUON);
  const issue = (body['newIssues'] as Json[])[0];
  if (issue === undefined) throw new Error('fixture changed');
  change(issue, issue['issueData'] as Json);
  return JSON.stringify(body);
}

/** The first record of a body given as JSON text, so that literals such as 1e999 reach JSON.parse as sent. */
function firstOf(text: string): NormalizedRecord {
  const [record] = normalize(JSON.parse(text) as unknown, ctx());
  if (record?.kind !== 'finding') throw new Error('expected a finding');
  return record;
}

function firstWith(change: (issue: Json, data: Json) => void): NormalizedRecord {
  return firstOf(textWith(change));
}

interface Seen {
  json: Json;
  ecs: Json & { event: Json; vulnerability: Json; snyk: Json & { issue?: Json; summary?: Json } };
  cef: Map<string, string>;
  leef: Map<string, string>;
}

function seen(record: NormalizedRecord): Seen {
  return {
    json: JSON.parse(encode(record, 'json')) as Json,
    ecs: JSON.parse(encode(record, 'ecs')) as Seen['ecs'],
    cef: parseCef(encode(record, 'cef')).extension,
    leef: parseLeef(encode(record, 'leef')).attributes,
  };
}

function expectPriorityDropped(record: NormalizedRecord): void {
  const s = seen(record);
  expect(s.json).not.toHaveProperty('priority_score');
  expect(s.json['dropped_fields']).toEqual(['priority_score']);
  expect(s.ecs.event).not.toHaveProperty('risk_score');
  expect(s.ecs.snyk.issue).not.toHaveProperty('priority_score');
  expect(s.ecs.snyk.issue?.['dropped_fields']).toEqual(['priority_score']);
  expect(s.cef.has('cn1')).toBe(false);
  expect(s.cef.has('cn1Label')).toBe(false);
  expect(s.cef.get('snykDropped')).toBe('priority_score');
  expect(s.leef.has('priorityScore')).toBe(false);
  expect(s.leef.get('droppedFields')).toBe('priority_score');
}

describe('priorityScore (0-1000, Snyk docs)', () => {
  // The capture also carries priority.score, the fallback: these cases remove it.
  it('1e300 is dropped from every format, which then name it in dropped_fields', () => {
    expectPriorityDropped(
      firstWith((issue) => {
        issue['priorityScore'] = 1e300;
        delete issue['priority'];
      }),
    );
  });

  it('-12345678901234567890 (past a Java long) is dropped, as a number and as a numeric string', () => {
    expectPriorityDropped(
      // The literal as sent, not the double JavaScript would round it to when building the body.
      firstOf(
        textWith((issue) => {
          issue['priorityScore'] = 0;
          delete issue['priority'];
        }).replace('"priorityScore":0', '"priorityScore":-12345678901234567890'),
      ),
    );
    expectPriorityDropped(
      firstWith((issue) => {
        issue['priorityScore'] = '-12345678901234567890';
        issue['priority'] = { score: Number('-12345678901234567890') };
      }),
    );
  });

  it.each([
    ['1001', 1001],
    ['-1', -1],
    ['a 400-digit numeric string', '9'.repeat(400)],
  ])('%s is dropped', (_, value) => {
    expectPriorityDropped(
      firstWith((issue) => {
        issue['priorityScore'] = value;
        delete issue['priority'];
      }),
    );
  });

  it('1e999 in the body text (JSON.parse makes it Infinity) is dropped', () => {
    expectPriorityDropped(
      firstOf(
        textWith((issue) => {
          issue['priorityScore'] = 0;
          delete issue['priority'];
        }).replace('"priorityScore":0', '"priorityScore":1e999'),
      ),
    );
  });

  it('falls back to priority.score when priorityScore is out of range, and then drops nothing', () => {
    const record = firstWith((issue) => {
      issue['priorityScore'] = 1e300;
      issue['priority'] = { score: 640 };
    });
    const both = seen(record);
    expect(both.json['priority_score']).toBe(640);
    expect(both.json).not.toHaveProperty('dropped_fields');
    expect(both.cef.get('cn1')).toBe('640');
    expect(both.ecs.event['risk_score']).toBe(640);
  });

  it.each([0, 1000, 801])('%d is kept in every format', (value) => {
    const s = seen(firstWith((issue) => void (issue['priorityScore'] = value)));
    expect(s.json['priority_score']).toBe(value);
    expect(s.json).not.toHaveProperty('dropped_fields');
    expect(s.ecs.event['risk_score']).toBe(value);
    expect(s.cef.get('cn1')).toBe(String(value));
    expect(s.leef.get('priorityScore')).toBe(String(value));
  });
});

describe('cvssScore (0-10)', () => {
  it.each([
    ['10.1', 10.1],
    ['-0.1', -0.1],
    ['1e300', 1e300],
    ['"11" as a string', '11'],
  ])('%s is dropped from every format, which then name it in dropped_fields', (_, value) => {
    const s = seen(firstWith((_issue, data) => void (data['cvssScore'] = value)));
    expect(s.json).not.toHaveProperty('cvss_score');
    expect(s.json['dropped_fields']).toEqual(['cvss_score']);
    expect(s.ecs.vulnerability).not.toHaveProperty('score');
    expect(s.ecs.snyk.issue?.['dropped_fields']).toEqual(['cvss_score']);
    expect(s.cef.has('cfp1')).toBe(false);
    expect(s.cef.get('snykDropped')).toBe('cvss_score');
    expect(s.leef.get('droppedFields')).toBe('cvss_score');
  });

  it.each([0, 10, 8.1])('%d is kept', (value) => {
    const s = seen(firstWith((_issue, data) => void (data['cvssScore'] = value)));
    expect(s.json['cvss_score']).toBe(value);
    expect((s.ecs.vulnerability['score'] as Json)['base']).toBe(value);
    expect(s.cef.get('cfp1')).toBe(String(value));
  });
});

describe('project.issueCountsBySeverity (non-negative safe integers)', () => {
  it('1e300, -3 and 2**53 count as 0, like a missing severity, and are named in dropped_fields', () => {
    const body = fixture(MRZARQUON);
    (body['project'] as Json)['issueCountsBySeverity'] = {
      low: 1e300,
      medium: -3,
      high: 2 ** 53,
      critical: 4,
    };
    const summary = normalize(body, ctx()).at(-1);
    if (summary?.kind !== 'summary') throw new Error('expected the summary');
    const s = seen(summary);
    const dropped = ['open_high', 'open_medium', 'open_low'];
    expect(s.json).toMatchObject({ open_critical: 4, open_high: 0, open_medium: 0, open_low: 0 });
    expect(s.json['dropped_fields']).toEqual(dropped);
    expect(s.ecs.snyk.summary?.['dropped_fields']).toEqual(dropped);
    expect(s.cef.get('cs1')).toBe('critical:4 high:0 medium:0 low:0');
    expect(s.cef.get('snykDropped')).toBe(dropped.join(', '));
    expect(s.leef.get('droppedFields')).toBe(dropped.join(', '));
  });
});

/** Every number in a parsed JSON document, with its path. */
function numbersIn(value: unknown, path: string, out: [string, number][]): [string, number][] {
  if (typeof value === 'number') out.push([path, value]);
  else if (Array.isArray(value)) value.forEach((v, i) => numbersIn(v, `${path}[${i}]`, out));
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) numbersIn(v, path === '' ? k : `${path}.${k}`, out);
  return out;
}

describe('numbers in every format', () => {
  it('are finite, and integers are safe integers (|n| <= 2^53-1), in JSON, ECS and CEF', () => {
    const record = firstWith((issue, data) => {
      issue['priorityScore'] = 1e300;
      data['cvssScore'] = Number.MAX_VALUE;
    });
    for (const format of ['json', 'ecs'] as const) {
      for (const [path, n] of numbersIn(JSON.parse(encode(record, format)), '', [])) {
        expect(Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n)), `${path}=${n}`).toBe(
          true,
        );
      }
    }
    for (const [key, value] of parseCef(encode(record, 'cef')).extension) {
      if (/^(cn\d|rt|deviceCustomDate\d)$/.test(key)) {
        expect(value, key).toMatch(/^-?\d+$/);
        expect(Number.isSafeInteger(Number(value)), `${key}=${value}`).toBe(true);
      }
      if (/^cfp\d$/.test(key)) expect(value, key).toMatch(/^-?\d+(\.\d+)?$/);
    }
  });
});
