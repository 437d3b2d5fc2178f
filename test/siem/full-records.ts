// Records with every optional field set (typed Required<…>, so a new field fails to compile here until it is added).
import type {
  DeliveryInfo,
  Finding,
  GenericEvent,
  IssueInfo,
  NormalizedRecord,
  OmittedCounts,
  OrgInfo,
  ProjectInfo,
  SnapshotSummary,
} from '../../normalizers/index.js';

// The real fixtures leave many optional fields unset (no container project, no refused timestamp, no omitted list
// entries), so a check of "every field a format can emit" needs records that set all of them. `Required<…>` makes the
// compiler list every optional field: adding one to normalizers/types.ts breaks `npm run typecheck` until it is here.

const delivery: Required<DeliveryInfo> = {
  event: 'project_snapshot/v0',
  transportId: '6f1c2a4e-0c55-4f43-9b1e-000000000099',
  snykTimestamp: '2026-11-20T08:15:30.123Z',
  snykTimestampHeader: '9999-01-01T00:00:00Z',
  receivedAt: '2026-11-20T08:15:31.002Z',
};

const org: Required<OrgInfo> = {
  id: '4a18d42f-0706-4ad0-b127-24078731fbed',
  name: 'My Org',
  slug: 'my-org',
  url: 'https://app.snyk.io/org/my-org',
  groupId: '6c7c0b4a-1a2b-4c5d-8e9f-0a1b2c3d4e5f',
  groupName: 'My Group',
};

function project(type: string, name: string): Required<ProjectInfo> {
  return {
    id: '81795aea-7ce4-47bb-bea1-30f2b32a6d90',
    name,
    type,
    origin: 'cli',
    branch: 'main',
    targetFile: 'package.json',
    browseUrl: 'https://app.snyk.io/org/my-org/project/81795aea-7ce4-47bb-bea1-30f2b32a6d90',
    imageId: 'sha256:3b1c0c5d0f2e4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d',
    imageTag: '1.2.3',
    imageBaseImage: 'debian:12',
    imagePlatform: 'linux/amd64',
    imageCluster: 'prod-eu',
    lastTested: '2026-11-20T08:15:29.000Z',
    tags: [{ key: 'team', value: 'payments' }],
    attributes: { criticality: ['high'], environment: ['production'], lifecycle: ['production'] },
    tagsOmitted: 2,
    attributesOmitted: 1,
  };
}

const omitted: Required<OmittedCounts> = {
  cves: 3,
  cwes: 1,
  ghsas: 1,
  fixedIn: 2,
  packageVersions: 4,
  semverVulnerable: 1,
  upgradePath: 1,
  remediation: 1,
  severities: 1,
  exploitSources: 1,
  exploitMaturityLevels: 1,
};

function issue(): Required<IssueInfo> {
  return {
    id: 'SNYK-DEBIAN12-OPENSSL-1234567',
    title: 'Out-of-bounds Write',
    type: 'vuln',
    severity: 'critical',
    description: '## Overview\nAffected versions of this package are vulnerable.',
    cvssScore: 9.8,
    cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    cvssVersion: '3.1',
    cves: ['CVE-2024-0001', 'CVE-2024-0002'],
    cwes: ['CWE-787'],
    ghsas: ['GHSA-xxxx-yyyy-zzzz'],
    url: 'https://security.snyk.io/vuln/SNYK-DEBIAN12-OPENSSL-1234567',
    exploitMaturity: 'Proof of Concept',
    isUpgradable: true,
    isPatchable: false,
    isPinnable: false,
    isFixable: true,
    isPartiallyFixable: false,
    hasFix: true,
    fixedIn: ['3.0.13-1'],
    nearestFixedInVersion: '3.0.13-1',
    priorityScore: 812,
    packageName: 'openssl',
    packageVersions: ['3.0.11-1'],
    language: 'linux',
    publicationTime: '2024-01-10T12:00:00.000Z',
    disclosureTime: '2024-01-09T08:00:00.000Z',
    isMaliciousPackage: false,
    isIgnored: false,
    isPatched: false,
    introducedDate: '2026-11-19T22:00:00.000Z',
    semverVulnerable: ['<3.0.13-1'],
    upgradePath: ['openssl@3.0.13-1'],
    remediation: ['upgrade openssl@3.0.11-1 to openssl@3.0.13-1'],
    epss: { probability: 0.00998, percentile: 0.81425, modelVersion: 'v2025.03.14' },
    severities: [
      {
        source: 'NVD',
        level: 'critical',
        score: 9.8,
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        version: '3.1',
      },
    ],
    exploitSources: ['ExploitDB'],
    exploitMaturityLevels: [{ format: 'CVSSv4', level: 'Attacked' }],
    omitted,
    droppedFields: ['priority_score'],
  };
}

function finding(action: Finding['action'], type: string, name: string): Required<Finding> {
  return {
    kind: 'finding',
    action,
    severity: 'critical',
    recordId: `full-${action}-${type}`.padEnd(40, '0'),
    time: '2026-11-20T08:15:30.123Z',
    delivery,
    org,
    project: project(type, name),
    truncatedFields: ['description'],
    issue: issue(),
    reconciled: true,
  };
}

const summary: Required<SnapshotSummary> = {
  kind: 'summary',
  action: 'snapshot',
  severity: undefined,
  recordId: 'full-summary'.padEnd(40, '0'),
  time: '2026-11-20T08:15:30.123Z',
  delivery,
  org,
  project: project('npm', 'acme/shop(main):package.json'),
  truncatedFields: [],
  openCounts: { low: 1, medium: 2, high: 3, critical: 4 },
  newCounts: { low: 0, medium: 1, high: 0, critical: 1 },
  removedCounts: { low: 1, medium: 0, high: 0, critical: 0 },
  newTotal: 9,
  removedTotal: 1,
  newOmitted: 7,
  removedOmitted: 0,
  droppedFields: ['open_low'],
};

const generic: Required<GenericEvent> = {
  kind: 'generic',
  action: 'event',
  severity: undefined,
  recordId: 'full-generic'.padEnd(40, '0'),
  time: '2026-11-20T08:15:30.123Z',
  delivery: { ...delivery, event: 'project_created/v0' },
  org,
  project: project('npm', 'acme/shop'),
  truncatedFields: [],
  payloadBytes: 1234,
};

/** One record of every kind and shape: container and package findings, both actions, a summary, a generic event. */
export const FULL_RECORDS: readonly NormalizedRecord[] = [
  finding('issue_introduced', 'deb', 'registry.example/shop/api:1.2.3'),
  finding('issue_resolved', 'npm', 'acme/shop(main):package.json'),
  summary,
  generic,
];
