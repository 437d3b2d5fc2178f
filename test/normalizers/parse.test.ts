// Step 1: real deliveries differ from the docs; every public sample parses, and unreadable payloads fail clearly.
import { describe, expect, it } from 'vitest';
import { normalize, PayloadError } from '../../normalizers/index.js';
import type { Finding, NormalizedRecord, SnapshotSummary } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';

const POSTMAN = 'project_snapshot-v0.snyk-docs-slack-lambda-postman';
const MOCK_VULNS = 'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns';
const MRZARQUON = 'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns';
const ASSEMBLED = 'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED';

const findings = (records: NormalizedRecord[]): Finding[] =>
  records.filter((r): r is Finding => r.kind === 'finding');
const summary = (records: NormalizedRecord[]): SnapshotSummary => {
  const s = records.find((r): r is SnapshotSummary => r.kind === 'summary');
  if (s === undefined) throw new Error('no summary record');
  return s;
};

function payloadError(body: unknown): PayloadError {
  try {
    normalize(body, ctx());
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('normalize accepted the payload');
}

describe('parsing project_snapshot/v0 payloads', () => {
  it('reads the group from the top level (docs shape)', () => {
    const [first] = findings(normalize(fixture(ASSEMBLED), ctx()));
    expect(first?.org).toMatchObject({
      groupId: 'a060a49f-636e-480f-9e14-38e773b2a97f',
      groupName: 'ACME Inc.',
    });
  });

  it('reads the group from org.group when there is no top-level group (2021 captures)', () => {
    const [first] = findings(normalize(fixture(MOCK_VULNS), ctx()));
    expect(first?.org).toMatchObject({
      groupId: 'dcf9cae3-2f54-4ad2-98af-e70b844657f3',
      groupName: 'Chris Barker',
    });
  });

  it('accepts org.group: null and leaves the group out', () => {
    const [first] = findings(normalize(fixture(POSTMAN), ctx()));
    expect(first?.org).toEqual({
      id: '570a1e02-8774-4697-80fc-129f5c5195a1',
      name: 'API',
      slug: 'api-quc',
      url: 'https://app.snyk.io/org/api-test',
    });
  });

  it('treats a missing removedIssues as empty', () => {
    const records = normalize(fixture(MOCK_VULNS), ctx());
    expect(summary(records)).toMatchObject({ newTotal: 5, removedTotal: 0 });
    expect(findings(records).every((f) => f.action === 'issue_introduced')).toBe(true);
  });

  it('counts a missing critical severity as 0 in the open counts', () => {
    expect(summary(normalize(fixture(MOCK_VULNS), ctx())).openCounts).toEqual({
      low: 0,
      medium: 1,
      high: 0,
      critical: 0,
    });
  });

  it('accepts NSP identifiers as numbers and keeps CVE, CWE and GHSA', () => {
    const ms = findings(normalize(fixture(MRZARQUON), ctx())).find((f) => f.issue.id === 'npm:ms:20151024');
    expect(ms?.issue).toMatchObject({
      cves: ['CVE-2015-8315'],
      cwes: ['CWE-400'],
      ghsas: ['GHSA-3fx5-fwvr-xrjg'],
      isPatched: true,
    });
  });

  it('accepts NSP identifiers as strings', () => {
    const body = fixture(MRZARQUON);
    const issues = body['newIssues'] as { issueData: { identifiers: Record<string, unknown> } }[];
    for (const issue of issues) issue.issueData.identifiers['NSP'] = ['786'];
    expect(findings(normalize(body, ctx()))).toHaveLength(3);
  });

  it('accepts cvssDetails, functions, priorityScore and isMaliciousPackage', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    issue.issueData['cvssDetails'] = [
      {
        assigner: 'NVD',
        severity: 'medium',
        cvssV3Vector: 'CVSS:3.1/AV:N',
        cvssV3BaseScore: 5.3,
        modificationTime: '2022-07-01T00:00:00Z',
      },
    ];
    const [f] = findings(normalize(body, ctx()));
    expect(f?.issue).toMatchObject({
      priorityScore: 336,
      isMaliciousPackage: false,
      cvssScore: 5.3,
      cvssVersion: '3.1',
    });
  });

  it('reads the container fields of the docs project when it is a container project', () => {
    // The docs example is typed maven; its image fields describe an image only for a container type.
    const body = fixture(ASSEMBLED);
    (body['project'] as Record<string, unknown>)['type'] = 'apk';
    const [f] = findings(normalize(body, ctx()));
    expect(f?.project).toMatchObject({
      imageId: 'sha256:caf27325b298a6730837023a8a342699c8b7b388b8d878966b064a1320043019',
      imageTag: 'latest',
      imageBaseImage: 'alpine:3',
      imagePlatform: 'linux/arm64',
      imageCluster: 'Production',
      tags: [{ key: 'example-tag-key', value: 'example-tag-value' }],
      attributes: { criticality: ['high'], environment: ['backend'], lifecycle: ['development'] },
    });
  });

  it('derives branch and target file from an SCM project name', () => {
    const [f] = findings(normalize(fixture(POSTMAN), ctx()));
    expect(f?.project).toMatchObject({
      branch: 'master',
      targetFile: 'frontend/package.json',
      origin: 'github',
      type: 'npm',
    });
  });

  it('takes the branch from `owner/repo(branch):file` when project.branch is absent', () => {
    const body = fixture(POSTMAN);
    const project = body['project'] as Record<string, unknown>;
    project['name'] = 'acme/api(release-2):services/api/pom.xml';
    delete project['branch'];
    const [f] = findings(normalize(body, ctx()));
    expect(f?.project).toMatchObject({ branch: 'release-2', targetFile: 'services/api/pom.xml' });
  });

  it('does not read a container image tag as a target file', () => {
    const body = fixture(POSTMAN);
    Object.assign(body['project'] as object, { type: 'deb', name: 'nginx:1.25' });
    const [f] = findings(normalize(body, ctx()));
    expect(f?.project?.targetFile).toBeUndefined();
  });

  it('accepts cvssScore given as a numeric string and drops out-of-range scores', () => {
    const body = fixture(POSTMAN);
    const data = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0]?.issueData;
    if (data === undefined) throw new Error('fixture changed');
    data['cvssScore'] = '7.5';
    expect(findings(normalize(body, ctx()))[0]?.issue.cvssScore).toBe(7.5);
    data['cvssScore'] = 42;
    expect(findings(normalize(body, ctx()))[0]?.issue.cvssScore).toBeUndefined();
  });

  it('normalises publication and disclosure times with µs precision to ISO milliseconds', () => {
    const body = fixture(POSTMAN);
    const data = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0]?.issueData;
    if (data === undefined) throw new Error('fixture changed');
    data['publicationTime'] = '2022-06-29T10:29:38.471739Z';
    data['disclosureTime'] = 'yesterday';
    const [f] = findings(normalize(body, ctx()));
    expect(f?.issue.publicationTime).toBe('2022-06-29T10:29:38.471Z');
    expect(f?.issue.disclosureTime).toBeUndefined();
  });

  it('sets hasFix from fixedIn, upgrade, patch or pin, and not for an issue without any fix', () => {
    const fs = findings(normalize(fixture(MOCK_VULNS), ctx()));
    expect(fs.find((f) => f.issue.id === 'SNYK-PYTHON-RSA-1038401')?.issue.hasFix).toBe(true);
    expect(findings(normalize(fixture(POSTMAN), ctx()))[0]?.issue.hasFix).toBe(false);
  });
});

describe('payloads that cannot be understood', () => {
  it('rejects a body that is not an object', () => {
    expect(payloadError('[]').message).toMatch(/payload must be a JSON object/);
    expect(payloadError(null).name).toBe('PayloadError');
  });

  it('rejects a snapshot without a project, naming the path', () => {
    const body = fixture(POSTMAN);
    delete body['project'];
    const error = payloadError(body);
    expect(error.path).toBe('project');
    expect(error.message).toMatch(/project must be an object/);
  });

  it('rejects a project without an id', () => {
    const body = fixture(POSTMAN);
    delete (body['project'] as Record<string, unknown>)['id'];
    expect(payloadError(body).path).toBe('project.id');
  });

  it('rejects newIssues that is not an array', () => {
    const body = fixture(POSTMAN);
    body['newIssues'] = { not: 'an array' };
    expect(payloadError(body).message).toMatch(/newIssues must be an array/);
  });

  it('rejects an unknown severity, naming the issue', () => {
    const body = fixture(MRZARQUON);
    const issue = (body['newIssues'] as { issueData: Record<string, unknown> }[])[2];
    if (issue === undefined) throw new Error('fixture changed');
    issue.issueData['severity'] = 'catastrophic';
    const error = payloadError(body);
    expect(error.path).toBe('newIssues[2].issueData.severity');
    expect(error.message).toMatch(/one of low, medium, high, critical/);
  });

  it('rejects an issue without issueData', () => {
    const body = fixture(POSTMAN);
    body['removedIssues'] = [{ id: 'SNYK-X-1' }];
    expect(payloadError(body).path).toBe('removedIssues[0].issueData');
  });

  it('rejects an issue without any id', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as Record<string, unknown>[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    delete issue['id'];
    delete (issue['issueData'] as Record<string, unknown>)['id'];
    expect(payloadError(body).path).toBe('newIssues[0].id');
  });

  it('accepts severity in upper case, as a tolerant reading of the same value', () => {
    const body = fixture(POSTMAN);
    const data = (body['newIssues'] as { issueData: Record<string, unknown> }[])[0]?.issueData;
    if (data === undefined) throw new Error('fixture changed');
    data['severity'] = 'CRITICAL';
    expect(findings(normalize(body, ctx()))[0]?.severity).toBe('critical');
  });
});
