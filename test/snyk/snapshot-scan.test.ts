// The sliced scan of a large snapshot finds exactly what one JSON.parse would, whatever the strings hold.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { snapshotDelta } from '../../src/snyk/reconcile/snapshot-delta.js';
import { scanSnapshotDelta } from '../../src/snyk/reconcile/snapshot-scan.js';

const dir = new URL('../fixtures/snyk/', import.meta.url);
const plain = (delta: ReturnType<typeof snapshotDelta>) =>
  delta === undefined ? undefined : { ...delta, added: Object.fromEntries(delta.added) };

describe('scanSnapshotDelta', () => {
  it('agrees with JSON.parse on every public sample, compact or pretty-printed', async () => {
    for (const name of readdirSync(dir).filter((file) => file.endsWith('.json'))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      for (const body of [text, JSON.stringify(JSON.parse(text))])
        expect(plain(await scanSnapshotDelta(body)), name).toEqual(plain(snapshotDelta(JSON.parse(body))));
    }
  });

  it('is not misled by braces, brackets, quotes and key names inside strings and nested values', async () => {
    const tricky = (n: number) => ({
      id: `SNYK-JS-X-${n}`,
      pkgName: `pkg-${n}`,
      pkgVersions: [`1.${n}.0`, '2.0.0'],
      issueData: {
        severity: n % 2 === 0 ? 'critical' : 'low',
        description: `"project": {"id": "evil"}, "newIssues": [{"id":"fake"}] \\" \\\\ } ] { [ \u2028 ${'x'.repeat(n)}`,
        nested: { newIssues: [{ id: 'not-this' }], project: { id: 'nor-this' } },
      },
    });
    const payload = {
      'a "quoted" key': '{"project":{"id":"no"}}',
      removedIssues: [null, tricky(1), 'text', [tricky(99)]],
      org: { project: { id: 'org-level' } },
      project: { name: 'p } ] "', id: 'the-project', nested: [{ id: 'x' }] },
      newIssues: Array.from({ length: 300 }, (_, n) => tricky(n)),
    };
    const body = JSON.stringify(payload, null, 2);
    expect(plain(await scanSnapshotDelta(body))).toEqual(plain(snapshotDelta(payload)));
    expect((await scanSnapshotDelta(body))?.projectId).toBe('the-project');
  });

  it('yields to the event loop while it reads a large body', async () => {
    const issue = JSON.parse(readFileSync(new URL('issue-object.snyk-docs.json', dir), 'utf8')) as object;
    const body = JSON.stringify({
      project: { id: 'big' },
      newIssues: Array.from({ length: 3000 }, () => issue),
    });
    expect(body.length).toBeGreaterThan(3 * (1 << 20));
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 0);
    const delta = await scanSnapshotDelta(body);
    clearInterval(timer);
    expect(delta?.projectId).toBe('big');
    expect(ticks).toBeGreaterThan(0);
  });
});
