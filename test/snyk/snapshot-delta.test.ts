// A project_snapshot's delta for the forwarded set: the keys newIssues add and removedIssues remove.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshotDelta } from '../../src/snyk/reconcile/snapshot-delta.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/snyk/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

describe('snapshotDelta', () => {
  it('keys every version of every new issue, with its severity', () => {
    const delta = snapshotDelta(fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json'));
    expect(delta?.projectId).toBe('81795aea-7ce4-47bb-bea1-30f2b32a6d90');
    expect(Object.fromEntries(delta?.added ?? [])).toEqual({
      'SNYK-JS-TYPEORM-590152 typeorm 0.2.24': 'h',
      'npm:braces:20180219 braces 1.8.5': 'l',
      'npm:ms:20151024 ms 0.6.2': 'm',
    });
    expect(delta?.removed).toEqual([]);
  });

  it('keys removed issues for removal, and a payload without a project as nothing', () => {
    const docs = fixture('project_snapshot-v0.snyk-docs-fragments-ASSEMBLED.json');
    const issue = fixture('issue-object.snyk-docs.json');
    const delta = snapshotDelta({ ...docs, newIssues: [], removedIssues: [issue] });
    expect(delta?.added.size).toBe(0);
    expect(delta?.removed.length).toBeGreaterThan(0);
    expect(delta?.removed[0]).toMatch(/^\S+ \S* \S*$/);
    expect(snapshotDelta({ newIssues: [issue] })).toBeUndefined();
    expect(snapshotDelta('not an object')).toBeUndefined();
  });
});
