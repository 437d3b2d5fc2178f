// The golden cases: every public fixture with the delivery context it is normalised under (shared with scripts/regen-golden.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OUTPUT_FORMATS, type DeliveryContext, type OutputFormat } from '../../normalizers/index.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/snyk/', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('../golden/', import.meta.url));
export const FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS;

export interface GoldenCase {
  /** Golden files are `test/golden/<name>.<format>`. */
  name: string;
  fixture: string;
  context: DeliveryContext;
  /** Builds the delivered body from the fixture when the fixture is not a whole body itself. */
  body?: (fixture: unknown) => unknown;
}

export function readFixture(file: string): { text: string; json: unknown } {
  const text = readFileSync(`${FIXTURE_DIR}${file}`, 'utf8');
  return { text, json: JSON.parse(text) as unknown };
}

/** The delivery context of a body: its size and SHA-256 are those of the bytes as delivered. */
function context(event: string, n: number, body: string): DeliveryContext {
  return {
    event,
    transportId: `6f1c2a4e-0c55-4f43-9b1e-${String(n).padStart(12, '0')}`,
    snykTimestamp: '2026-11-20T08:15:30.123456Z',
    receivedAt: '2026-11-20T08:15:31.002Z',
    payloadBytes: Buffer.byteLength(body),
    bodySha256: createHash('sha256').update(body).digest('hex'),
  };
}

const snapshots = [
  'project_snapshot-v0.snyk-docs-slack-lambda-postman',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns',
  'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns',
  'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED',
  // A real capture with the newer issue blocks added (EPSS, severities[], exploitDetails, upgradePath, remediation).
  'project_snapshot-v0.full-issue',
];

export const GOLDEN_CASES: readonly GoldenCase[] = [
  ...snapshots.map((name, i) => ({
    name,
    fixture: `${name}.json`,
    context: context('project_snapshot/v0', i + 1, readFixture(`${name}.json`).text),
  })),
  // A ping yields no record: its golden files are empty.
  {
    name: 'ping-v0.snyk-docs',
    fixture: 'ping-v0.snyk-docs.json',
    context: context('ping/v0', 10, readFixture('ping-v0.snyk-docs.json').text),
  },
  // The same body under an event name Snyk never sent: one generic record.
  {
    name: 'ping-v0.snyk-docs.as-unknown-event',
    fixture: 'ping-v0.snyk-docs.json',
    context: context('project_created/v0', 11, readFixture('ping-v0.snyk-docs.json').text),
  },
  // The documented issue object is one element of newIssues/removedIssues, not a body: it is delivered here as the
  // only removed issue of the assembled docs snapshot, which also covers the issue_resolved action.
  {
    name: 'issue-object.snyk-docs',
    fixture: 'issue-object.snyk-docs.json',
    context: context('project_snapshot/v0', 12, JSON.stringify(issueAsRemoved())),
    body: () => issueAsRemoved(),
  },
];

function issueAsRemoved(): unknown {
  return {
    ...(readFixture('project_snapshot-v0.snyk-docs-fragments-ASSEMBLED.json').json as Record<
      string,
      unknown
    >),
    newIssues: [],
    removedIssues: [readFixture('issue-object.snyk-docs.json').json],
  };
}
