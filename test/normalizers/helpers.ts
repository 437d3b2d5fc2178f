// Test helpers: a delivery context and quick access to fixtures as parsed JSON.
import { normalize, type DeliveryContext, type Finding } from '../../normalizers/index.js';
import { readFixture } from './golden-cases.js';

export function ctx(overrides: Partial<DeliveryContext> = {}): DeliveryContext {
  return {
    event: 'project_snapshot/v0',
    transportId: '998fe884-18a0-45db-8ae0-e379eea3bc0a',
    snykTimestamp: '2020-09-25T15:27:53Z',
    receivedAt: '2020-09-25T15:27:54.500Z',
    payloadBytes: 1234,
    bodySha256: '5d41402abc4b2a76b9719d911017c592ae6e4c2d3c1e8a4d1f3b6e9e8c7a6b5c',
    ...overrides,
  };
}

/** A deep copy of a fixture body, safe to mutate in a test. */
export function fixture(name: string): Record<string, unknown> {
  return structuredClone(readFixture(`${name}.json`).json) as Record<string, unknown>;
}

/** The first finding of the one-issue postman capture, after `change` edits its issueData. */
export function postmanFindingWith(change: (data: Record<string, unknown>) => void): Finding {
  const body = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman');
  const issue = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0];
  if (issue === undefined) throw new Error('fixture changed');
  change(issue.issueData);
  const record = normalize(body, ctx())[0];
  if (record?.kind !== 'finding') throw new Error('expected a finding');
  return record;
}
