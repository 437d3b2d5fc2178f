// Record ids: one issue listed for two packages gets two ids, and a replayed body keeps every id whatever its headers.
import { describe, expect, it } from 'vitest';
import { normalize } from '../../normalizers/index.js';
import type { Finding } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';

// A real capture: five issues of the pip package rsa 3.1.2 (test/fixtures/snyk/README.md).
const SNAP_VULNS = 'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns';
// The documented container project (deb, imageTag, nearestFixedInVersion) with the documented issue.
const ASSEMBLED = 'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED';

type Issue = Record<string, unknown> & { issueData: Record<string, unknown> };

/** The capture with its first issue listed again after it, changed by `change`. */
function twice(name: string, change: (copy: Issue) => void): Record<string, unknown> {
  const body = fixture(name);
  const issues = body['newIssues'] as Issue[];
  const first = issues[0];
  if (first === undefined) throw new Error('fixture changed');
  const copy = structuredClone(first);
  change(copy);
  issues.splice(1, 0, copy);
  return body;
}

function findings(body: Record<string, unknown>, overrides: Parameters<typeof ctx>[0] = {}): Finding[] {
  return normalize(body, ctx(overrides)).filter((r): r is Finding => r.kind === 'finding');
}

describe('record ids of one issue listed for several packages', () => {
  it('one issue id twice in a real snapshot, with another package and version: two ids', () => {
    const body = twice(SNAP_VULNS, (copy) => {
      copy['pkgName'] = 'pyasn1';
      copy['pkgVersions'] = ['0.4.8'];
    });
    const [a, b] = findings(body);
    expect([a?.issue.id, a?.issue.packageName, a?.issue.packageVersions]).toEqual([
      'SNYK-PYTHON-RSA-1038401',
      'rsa',
      ['3.1.2'],
    ]);
    expect([b?.issue.id, b?.issue.packageName, b?.issue.packageVersions]).toEqual([
      'SNYK-PYTHON-RSA-1038401',
      'pyasn1',
      ['0.4.8'],
    ]);
    expect(a?.recordId).not.toBe(b?.recordId);
    const all = normalize(body, ctx()).map((r) => r.recordId);
    expect(new Set(all).size).toBe(all.length);
  });

  it.each([
    ['only the package name differs', (copy: Issue) => (copy['pkgName'] = 'rsa-fork')],
    ['only the versions differ', (copy: Issue) => (copy['pkgVersions'] = ['3.4.2'])],
    ['one more version', (copy: Issue) => (copy['pkgVersions'] = ['3.1.2', '3.1.4'])],
    ['nothing differs (the same entry twice)', () => undefined],
  ])('%s: two ids, and the first keeps the id it has when listed once', (_, change) => {
    const [a, b] = findings(twice(SNAP_VULNS, change));
    expect(a?.recordId).not.toBe(b?.recordId);
    expect(a?.recordId).toBe(findings(fixture(SNAP_VULNS))[0]?.recordId);
  });

  it('a container issue listed for two OS packages: two ids', () => {
    const body = twice(ASSEMBLED, (copy) => {
      copy['pkgName'] = 'openssl/libssl1.1';
      copy['pkgVersions'] = ['1.1.1n-0+deb11u3'];
      (copy['fixInfo'] as Record<string, unknown>)['nearestFixedInVersion'] = '1.1.1n-0+deb11u4';
    });
    (body['project'] as Record<string, unknown>)['type'] = 'deb';
    const [a, b] = findings(body);
    expect([a?.issue.packageName, b?.issue.packageName]).toEqual(['ms', 'openssl/libssl1.1']);
    expect(a?.recordId).not.toBe(b?.recordId);
  });

  it('a replay of the same body with other headers, at another time, gets the same ids', () => {
    const body = twice(SNAP_VULNS, (copy) => (copy['pkgName'] = 'pyasn1'));
    const first = normalize(body, ctx()).map((r) => r.recordId);
    const replayed = normalize(
      structuredClone(body),
      ctx({
        transportId: 'another-transport-id',
        snykTimestamp: '2031-05-05T05:05:05Z',
        receivedAt: '2031-05-05T05:05:06.000Z',
      }),
    ).map((r) => r.recordId);
    expect(replayed).toEqual(first);
    // Without the receiver's body hash, the ids come from the payload's content: the same content, the same ids.
    const fromContent = (transportId: string): string[] =>
      normalize(structuredClone(body), ctx({ bodySha256: undefined, transportId })).map((r) => r.recordId);
    expect(fromContent('b')).toEqual(fromContent('a'));
  });
});
