// REST issues map onto the Finding model as Snyk's v1 → REST migration guide says, and what REST lacks stays empty.
import { describe, expect, it } from 'vitest';
import { findingKeys, readRestIssue } from '../../normalizers/index.js';
import { restIssueOf } from '../helpers/peers/snyk-rest-peer.js';
import { readFixture } from './golden-cases.js';

const ORG = '4a18d42f-0706-4ad0-b127-24078731fbed';
const postman = readFixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json').json as {
  project: { id: string };
  newIssues: Array<Record<string, unknown>>;
};
const webhookIssue = postman.newIssues[0] as Record<string, unknown>;
const rest = (status: 'open' | 'resolved' = 'open') =>
  restIssueOf(ORG, {
    projectId: postman.project.id,
    webhookIssue,
    status,
    createdAt: '2026-10-01T09:00:00Z',
    updatedAt: '2026-10-02T09:00:00Z',
  });

describe('readRestIssue', () => {
  it('joins on the webhook key: Snyk id, package and version, with the project from scan_item', () => {
    const read = readRestIssue(rest());
    expect(read).toMatchObject({
      projectId: postman.project.id,
      status: 'open',
      createdAt: '2026-10-01T09:00:00.000Z',
      issue: {
        id: 'SNYK-JS-SCSSTOKENIZER-2339884',
        type: 'vuln',
        severity: 'high',
        packageName: 'scss-tokenizer',
        packageVersions: ['0.2.3'],
        cves: ['CVE-2022-25758'],
        cwes: ['CWE-1333'],
        introducedDate: '2026-10-01T09:00:00.000Z',
      },
    });
    expect(findingKeys(read?.issue ?? { id: '', packageVersions: [] })).toEqual([
      'SNYK-JS-SCSSTOKENIZER-2339884 scss-tokenizer 0.2.3',
    ]);
  });

  it('leaves out what REST does not carry rather than inventing it', () => {
    const issue = readRestIssue(rest())?.issue;
    for (const field of [
      'description',
      'publicationTime',
      'disclosureTime',
      'isMaliciousPackage',
      'semverVulnerable',
    ])
      expect(issue, field).not.toHaveProperty(field);
    expect(issue?.fixedIn).toEqual([]);
  });

  it('reads a resolved issue with its resolution time', () => {
    expect(readRestIssue(rest('resolved'))).toMatchObject({
      status: 'resolved',
      resolvedAt: '2026-10-02T09:00:00.000Z',
    });
  });

  it('skips what no webhook reports: Code and IaC issues, no project, no Snyk id', () => {
    const base = rest() as { attributes: Record<string, unknown>; relationships: Record<string, unknown> };
    expect(readRestIssue({ ...base, attributes: { ...base.attributes, type: 'code' } })).toBeUndefined();
    expect(
      readRestIssue({ ...base, relationships: { scan_item: { data: { id: 'x', type: 'environment' } } } }),
    ).toBeUndefined();
    expect(readRestIssue({ ...base, attributes: { ...base.attributes, problems: [] } })).toBeUndefined();
    expect(readRestIssue({ ...base, attributes: { ...base.attributes, status: 'ignored' } })).toBeUndefined();
    expect(readRestIssue(null)).toBeUndefined();
  });
});
