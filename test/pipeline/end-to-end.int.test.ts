// Every public Snyk sample, posted signed, becomes one record per new and removed issue in the file target.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { waitFor, useForwarder } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const SNAPSHOTS = [
  'project_snapshot-v0.snyk-docs-slack-lambda-postman.json',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
  'project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns.json',
  'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
  'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED.json',
];

const fx = useForwarder();

describe('signed Snyk sample → file target', () => {
  for (const name of SNAPSHOTS) {
    it(`${name}: one record per new and removed issue, plus the snapshot summary`, async () => {
      const body = fixture(name);
      const payload = JSON.parse(body.toString('utf8')) as {
        newIssues: Array<{ id: string }>;
        removedIssues?: Array<{ id: string }>;
      };
      const transportId = randomUUID();
      const result = await postWebhook(fx.forwarder.webhookUrl, body, { transportId });
      expect(result.status).toBe(202);

      const expected = payload.newIssues.length + (payload.removedIssues?.length ?? 0);
      const mine = await waitFor(
        () => {
          const records = fx.forwarder.records().filter((r) => r.transport_id === transportId);
          return records.some((r) => r.kind === 'summary') &&
            records.filter((r) => r.kind === 'finding').length === expected
            ? records
            : undefined;
        },
        15_000,
        `${expected} findings of ${name}`,
      );
      const findings = mine.filter((r) => r.kind === 'finding');
      expect(findings.map((r) => r.issue_id).sort()).toEqual(
        [...payload.newIssues, ...(payload.removedIssues ?? [])].map((issue) => issue.id).sort(),
      );
      expect(findings.filter((r) => r.action === 'issue_introduced')).toHaveLength(payload.newIssues.length);
      expect(mine.filter((r) => r.kind === 'summary')).toHaveLength(1);
      expect(new Set(mine.map((r) => r.record_id)).size).toBe(mine.length);
    });
  }
});

describe('resolved issues', () => {
  it('a snapshot whose issues moved to removedIssues yields issue_resolved records', async () => {
    const source = JSON.parse(
      fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json').toString('utf8'),
    ) as Record<string, unknown> & { newIssues: Array<{ id: string }> };
    const removed = source.newIssues.slice(0, 2);
    const body = JSON.stringify({ ...source, newIssues: source.newIssues.slice(2), removedIssues: removed });
    const transportId = randomUUID();
    expect((await postWebhook(fx.forwarder.webhookUrl, body, { transportId })).status).toBe(202);
    const resolved = await waitFor(
      () => {
        const records = fx.forwarder
          .records()
          .filter((r) => r.transport_id === transportId && r.action === 'issue_resolved');
        return records.length === removed.length ? records : undefined;
      },
      15_000,
      'resolved records',
    );
    expect(resolved.map((r) => r.issue_id).sort()).toEqual(removed.map((issue) => issue.id).sort());
  });
});
