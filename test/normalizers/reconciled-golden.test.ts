// Golden outputs of reconciled records: REST issues built from the public samples, in every format, marked reconciled.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  encode,
  readRestIssue,
  reconciledFindings,
  type Finding,
  type ReconcileContext,
} from '../../normalizers/index.js';
import { restIssueOf } from '../helpers/peers/snyk-rest-peer.js';
import { FORMATS, GOLDEN_DIR, readFixture } from './golden-cases.js';

const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const context: ReconcileContext = {
  runId: 'Xq3v9L0aT2mB7cKe',
  startedAt: '2026-11-20T08:30:00.000Z',
  org: { id: ORG },
};

type Snapshot = {
  project: { id: string; name: string; type: string; origin: string };
  newIssues: Array<Record<string, unknown>>;
};

function records(fixture: string, issueId: string, status: 'open' | 'resolved'): Finding[] {
  const body = readFixture(fixture).json as Snapshot;
  const webhookIssue = body.newIssues.find((issue) => issue['id'] === issueId) as Record<string, unknown>;
  const rest = readRestIssue(
    restIssueOf(ORG, {
      projectId: body.project.id,
      webhookIssue,
      status,
      createdAt: '2026-10-01T09:00:00Z',
      updatedAt: '2026-11-19T17:45:12Z',
    }),
  );
  if (rest === undefined) throw new Error(`${fixture}: ${issueId} did not map`);
  const project = { name: body.project.name, type: body.project.type, origin: body.project.origin };
  return reconciledFindings(rest, status === 'open' ? 'issue_introduced' : 'issue_resolved', context, {
    ...project,
    tags: [],
    attributes: { criticality: [], environment: [], lifecycle: [] },
  });
}

const CASES = [
  {
    name: 'reconciled.introduced.snyk-docs-slack-lambda-postman',
    records: () =>
      records(
        'project_snapshot-v0.snyk-docs-slack-lambda-postman.json',
        'SNYK-JS-SCSSTOKENIZER-2339884',
        'open',
      ),
  },
  {
    name: 'reconciled.resolved.mrzarquon-receiver',
    records: () =>
      records('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json', 'npm:ms:20151024', 'resolved'),
  },
];

describe('reconciled golden outputs (UPDATE_GOLDEN=1 rewrites them)', () => {
  for (const c of CASES) {
    for (const format of FORMATS) {
      it(`${c.name} encodes as test/golden/${c.name}.${format}`, () => {
        const actual = c
          .records()
          .map((r) => `${encode(r, format)}\n`)
          .join('');
        const file = `${GOLDEN_DIR}${c.name}.${format}`;
        if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(file)) writeFileSync(file, actual);
        expect(actual).toBe(readFileSync(file, 'utf8'));
      });
    }
  }

  it('marks every format as reconciled', () => {
    const [record] = CASES[0]?.records() ?? [];
    if (record === undefined) throw new Error('no record');
    expect(encode(record, 'cef')).toContain(' snykReconciled=true');
    expect(encode(record, 'leef')).toContain('^reconciled=true');
    expect(JSON.parse(encode(record, 'json'))).toMatchObject({ reconciled: true });
    expect(JSON.parse(encode(record, 'ecs'))).toMatchObject({
      snyk: { reconciled: true },
      event: { provider: 'snyk-rest-api' },
    });
  });
});
