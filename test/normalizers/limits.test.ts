// What one payload may cost: linear-time list handling, and the documented limits on ids, issues and text (mapping §8).
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { Finding, NormalizedRecord, SnapshotSummary } from '../../normalizers/index.js';
import { receiverSchema } from '../../src/config/schema.js';
import { ctx, fixture } from './helpers.js';
import { cveIds, ISSUES_PER_LIST, largestSnapshot, snapshotWithCves } from './large-snapshot.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const MARKER = '…[truncated]';
const IDS_PER_LIST = 1_000;
const TEXT_LIMIT = 4_096;
const DESCRIPTION_LIMIT = 65_536;
const POSTMAN = 'project_snapshot-v0.snyk-docs-slack-lambda-postman';

const findings = (records: NormalizedRecord[]): Finding[] =>
  records.filter((r): r is Finding => r.kind === 'finding');
const summaryOf = (records: NormalizedRecord[]): SnapshotSummary => {
  const s = records.find((r): r is SnapshotSummary => r.kind === 'summary');
  if (s === undefined) throw new Error('no summary record');
  return s;
};
const json = (record: NormalizedRecord | undefined): Record<string, unknown> =>
  JSON.parse(encode(record as NormalizedRecord, 'json')) as Record<string, unknown>;

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

describe('cost of one payload', () => {
  it('reads 100,000 CVE ids of one issue in linear time (no quadratic list deduplication)', () => {
    const body = snapshotWithCves(100_000);
    const { ms } = timed(() => normalize(body, ctx()));
    console.log(`100,000 CVE ids in one issue: normalised in ${ms.toFixed(0)} ms`);
    // Linear work is ~20 ms here; the quadratic version took tens of seconds. Generous for a loaded CI box.
    expect(ms).toBeLessThan(2_000);
  });

  it('normalises and encodes the 250,000-id incident payload and the largest allowed snapshot in bounded time', () => {
    const incident = snapshotWithCves(250_000);
    const a = timed(() => normalize(incident, ctx()).map((r) => encode(r, 'json')));
    // The largest body the receiver accepts on its default settings (receiver.maxBodyBytes).
    const { body, findings: expected } = largestSnapshot(receiverSchema.parse({}).maxBodyBytes);
    const b = timed(() => normalize(JSON.parse(body), ctx()).map((r) => encode(r, 'json')));
    console.log(
      `250,000 CVE ids: ${a.ms.toFixed(0)} ms; largest allowed snapshot (${Buffer.byteLength(body)} bytes, ` +
        `${expected} findings): ${b.ms.toFixed(0)} ms (normalise + JSON encode, one thread)`,
    );
    expect(b.value).toHaveLength(expected + 1);
    expect(a.ms).toBeLessThan(5_000);
    expect(b.ms).toBeLessThan(20_000);
  });
});

describe('identifiers per issue', () => {
  it('keeps the first 1,000 distinct ids of a list and counts the ones left out', () => {
    const [finding] = findings(normalize(snapshotWithCves(100_000), ctx()));
    expect(finding?.issue.cves).toEqual(cveIds(IDS_PER_LIST));
    expect(finding?.issue.omitted).toEqual({ cves: 100_000 - IDS_PER_LIST });
  });

  it('counts only distinct ids: repeats are not findings left out', () => {
    const body = snapshotWithCves(0);
    const issue = (body['newIssues'] as { issueData: { identifiers: Record<string, unknown> } }[])[0];
    if (issue === undefined) throw new Error('no issue');
    issue.issueData.identifiers['CVE'] = [...cveIds(500), ...cveIds(500), ...cveIds(500)];
    const [finding] = findings(normalize(body, ctx()));
    expect(finding?.issue.cves).toEqual(cveIds(500));
    expect(finding?.issue.omitted).toBeUndefined();
  });

  it('applies the limit to every list: CWE, GHSA, fixed-in versions and package versions', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as Record<string, unknown>[])[0] as {
      pkgVersions: unknown;
      fixInfo: Record<string, unknown>;
      issueData: { identifiers: Record<string, unknown> };
    };
    issue.issueData.identifiers['CWE'] = cveIds(1_001).map((id) => id.replace('CVE', 'CWE'));
    issue.issueData.identifiers['GHSA'] = cveIds(1_002).map((id) => id.replace('CVE', 'GHSA'));
    issue.fixInfo['fixedIn'] = cveIds(1_003).map((_, i) => `1.0.${i}`);
    issue.pkgVersions = cveIds(1_004).map((_, i) => `0.0.${i}`);
    const [finding] = findings(normalize(body, ctx()));
    expect(finding?.issue.omitted).toEqual({ cwes: 1, ghsas: 2, fixedIn: 3, packageVersions: 4 });
    for (const list of [finding?.issue.cwes, finding?.issue.ghsas, finding?.issue.fixedIn]) {
      expect(list).toHaveLength(IDS_PER_LIST);
    }
    expect(json(finding)).toMatchObject({
      cwes_omitted: 1,
      ghsas_omitted: 2,
      fixed_in_omitted: 3,
      package_versions_omitted: 4,
    });
  });

  it('marks the cut list in every format', () => {
    const [finding] = findings(normalize(snapshotWithCves(1_500), ctx()));
    expect(json(finding)['cves_omitted']).toBe(500);
    const ecs = JSON.parse(encode(finding as Finding, 'ecs')) as { snyk: { issue: Record<string, unknown> } };
    expect(ecs.snyk.issue['cves_omitted']).toBe(500);
    expect(parseCef(encode(finding as Finding, 'cef')).extension.get('snykOmitted')).toBe('cves:500');
    expect(parseLeef(encode(finding as Finding, 'leef')).attributes.get('cvesOmitted')).toBe('500');
  });
});

describe('issues per snapshot', () => {
  it('turns the first 10,000 issues of each list into findings; the summary counts the rest', () => {
    const body = snapshotWithCves(1);
    const template = (body['newIssues'] as Record<string, unknown>[])[0];
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ ...template, id: `${prefix}-${i}` }));
    body['newIssues'] = many(ISSUES_PER_LIST + 7, 'NEW');
    body['removedIssues'] = many(3, 'OLD');
    const records = normalize(body, ctx());
    const fs = findings(records);
    expect(fs.filter((f) => f.action === 'issue_introduced')).toHaveLength(ISSUES_PER_LIST);
    expect(fs.filter((f) => f.action === 'issue_resolved')).toHaveLength(3);
    expect(fs[ISSUES_PER_LIST - 1]?.issue.id).toBe(`NEW-${ISSUES_PER_LIST - 1}`);
    const summary = summaryOf(records);
    expect(summary).toMatchObject({
      newTotal: ISSUES_PER_LIST + 7,
      newOmitted: 7,
      removedTotal: 3,
      removedOmitted: 0,
    });
    expect(json(summary)).toMatchObject({ new_total: ISSUES_PER_LIST + 7, new_omitted: 7 });
    expect(json(summary)).not.toHaveProperty('removed_omitted');
    expect(parseCef(encode(summary, 'cef')).extension.get('snykOmitted')).toBe('new:7');
  });
});

describe('org and project fields repeated by every record', () => {
  /** A body of `findings` minimal issues whose org and project fill every per-field and per-list limit. */
  function paddedContext(findings: number): Record<string, unknown> {
    const text = (c: string) => c.repeat(TEXT_LIMIT);
    const issue = (i: number) => ({ id: `I-${i}`, issueData: { severity: 'low' } });
    return {
      org: {
        id: text('o'),
        name: text('n'),
        slug: text('s'),
        url: text('u'),
        group: { id: text('g'), name: text('h') },
      },
      project: {
        ...Object.fromEntries(
          ['name', 'type', 'origin', 'branch', 'browseUrl', 'imageId', 'imageTag', 'imageBaseImage'].map(
            (k) => [k, text(k.slice(0, 1))],
          ),
        ),
        id: 'p-1',
        tags: Array.from({ length: IDS_PER_LIST }, (_, i) => ({ key: `k${i}`, value: text('v') })),
        attributes: { criticality: cveIds(IDS_PER_LIST), environment: ['backend'], lifecycle: [] },
      },
      newIssues: Array.from({ length: findings }, (_, i) => issue(i)),
    };
  }

  const contextLength = (r: NormalizedRecord): number => {
    const strings = [
      ...Object.values(r.org ?? {}),
      ...Object.values(r.project ?? {}).filter((v) => typeof v === 'string'),
      ...(r.project?.tags ?? []).flatMap((t) => [t.key, t.value]),
      ...Object.values(r.project?.attributes ?? {}).flat(),
    ] as string[];
    return strings.reduce((n, v) => n + v.length, 0);
  };

  it('stays within 2,048 characters per record when 10,000 findings repeat it, and says what was left out', () => {
    const records = normalize(paddedContext(ISSUES_PER_LIST), ctx());
    expect(records).toHaveLength(ISSUES_PER_LIST + 1);
    const [first] = records;
    expect(contextLength(first as NormalizedRecord)).toBeLessThanOrEqual(2_048);
    expect(first?.project?.id).toBe('p-1');
    expect(first?.project?.tagsOmitted).toBe(IDS_PER_LIST);
    expect(json(first)).toMatchObject({ project_tags_omitted: IDS_PER_LIST });
    expect(json(first)['project_name']).toMatch(/…\[truncated\]$/);
    // Every record shares the one fitted context: the JSON of all of them stays proportionate to the body.
    const bytes = records.reduce((n, r) => n + encode(r, 'json').length, 0);
    expect(bytes / records.length).toBeLessThan(4_096);
  });

  it('keeps a larger context whole when few records repeat it', () => {
    // 50 tags at Snyk's own limits (keys of 30, values of 256 characters) and a long project name.
    const body = fixture(POSTMAN);
    const project = body['project'] as Record<string, unknown>;
    project['name'] = 'N'.repeat(TEXT_LIMIT);
    project['tags'] = Array.from({ length: 50 }, (_, i) => ({
      key: `k${i}`.padEnd(30, 'k'),
      value: 'v'.repeat(256),
    }));
    const [first] = normalize(body, ctx());
    expect(first?.project?.name).toHaveLength(TEXT_LIMIT);
    expect(first?.project?.tags).toHaveLength(50);
    expect(first?.project?.tagsOmitted).toBeUndefined();
  });

  it('leaves the context of the real samples untouched', () => {
    const body = fixture('project_snapshot-v0.snyk-docs-fragments-ASSEMBLED');
    const [first] = normalize(body, ctx());
    expect(first?.project?.tags).toEqual([{ key: 'example-tag-key', value: 'example-tag-value' }]);
    expect(first?.project).not.toHaveProperty('tagsOmitted');
  });
});

describe('text length', () => {
  it('cuts an advisory to 65,536 characters and every other text to 4,096, with the marker', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as { id: string; issueData: Record<string, unknown> }[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    issue.issueData['description'] = 'D'.repeat(1_000_000);
    issue.issueData['title'] = 'T'.repeat(100_000);
    issue.issueData['url'] = `https://x/${'u'.repeat(10_000)}`;
    (body['project'] as Record<string, unknown>)['name'] = 'N'.repeat(10_000);
    (body['org'] as Record<string, unknown>)['name'] = 'O'.repeat(10_000);
    const [finding] = findings(normalize(body, ctx()));
    const i = finding?.issue;
    expect(i?.description).toBe('D'.repeat(DESCRIPTION_LIMIT - MARKER.length) + MARKER);
    expect(i?.title).toBe('T'.repeat(TEXT_LIMIT - MARKER.length) + MARKER);
    expect(i?.url).toHaveLength(TEXT_LIMIT);
    expect(finding?.project?.name).toBe('N'.repeat(TEXT_LIMIT - MARKER.length) + MARKER);
    expect(finding?.org?.name).toHaveLength(TEXT_LIMIT);
  });

  it('leaves real advisories whole', () => {
    const body = fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns');
    const sent = (body['newIssues'] as { issueData: { description: string } }[]).map(
      (issue) => issue.issueData.description,
    );
    const kept = findings(normalize(body, ctx())).map((f) => f.issue.description);
    expect(kept).toEqual(sent);
  });
});
