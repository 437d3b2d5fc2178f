// The record types normalizers produce: canonical Finding, snapshot summary and generic event, plus their facets.

export type OutputFormat = 'cef' | 'leef' | 'ecs' | 'json';
export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** What the receiver knows about one delivery besides its body. */
export interface DeliveryContext {
  /** Full X-Snyk-Event header value, e.g. 'project_snapshot/v0'. */
  event: string;
  /** X-Snyk-Transport-ID (the receiver generates a UUID when Snyk sent none). */
  transportId: string;
  /** X-Snyk-Timestamp header, untrusted text. */
  snykTimestamp: string | undefined;
  /** ISO 8601 time the receiver accepted the delivery; this is "now" for normalizers, which never read the clock. */
  receivedAt: string;
  /** Size of the raw body in bytes. */
  payloadBytes: number;
}

/** Common facets every record exposes, used by target filters and by the queue. */
export interface RecordFacets {
  /** Deterministic; [A-Za-z0-9_-] only, <= 64 chars (40 here, so that it fits CEF externalId). */
  recordId: string;
  kind: 'finding' | 'summary' | 'generic';
  action: 'issue_introduced' | 'issue_resolved' | 'snapshot' | 'event';
  /** Undefined for summary and generic records. */
  severity: Severity | undefined;
  /** ISO 8601 event time: the Snyk timestamp when valid, else receivedAt. */
  time: string;
  org: { id?: string; name?: string; slug?: string } | undefined;
  project: { id?: string; name?: string } | undefined;
}

/** The delivery a record came from. */
export interface DeliveryInfo {
  event: string;
  transportId: string;
  /** X-Snyk-Timestamp normalised to ISO 8601 (ms), or undefined when absent or not a valid timestamp. */
  snykTimestamp: string | undefined;
  receivedAt: string;
}

export interface OrgInfo {
  id?: string;
  name?: string;
  slug?: string;
  url?: string;
  groupId?: string;
  groupName?: string;
}

export interface ProjectTag {
  key: string;
  value: string;
}

export interface ProjectInfo {
  id?: string;
  name?: string;
  /** Snyk project type, i.e. the package manager or container type (npm, maven, pip, deb, apk, ...). */
  type?: string;
  origin?: string;
  branch?: string;
  /** Manifest path, from the SCM project name `owner/repo(branch):path` (not derived for container projects). */
  targetFile?: string;
  browseUrl?: string;
  imageId?: string;
  imageTag?: string;
  imageBaseImage?: string;
  imagePlatform?: string;
  imageCluster?: string;
  tags: ProjectTag[];
  attributes: { criticality: string[]; environment: string[]; lifecycle: string[] };
}

export interface IssueInfo {
  /** Snyk vulnerability-DB id, e.g. SNYK-JS-LODASH-567746 or npm:ms:20170412. */
  id: string;
  title: string;
  /** Snyk issueType: 'vuln' or 'license' in practice ('configuration' exists for IaC in the v1 spec). */
  type: string;
  severity: Severity;
  description?: string;
  cvssScore?: number;
  cvssVector?: string;
  /** CVSS version taken from the vector prefix (CVSS:3.1/... → '3.1'). */
  cvssVersion?: string;
  cves: string[];
  cwes: string[];
  ghsas: string[];
  url?: string;
  exploitMaturity?: string;
  isUpgradable?: boolean;
  isPatchable?: boolean;
  isPinnable?: boolean;
  isFixable?: boolean;
  isPartiallyFixable?: boolean;
  /** True when Snyk reports any kind of remediation: a fixed-in version, upgrade, patch or pin. */
  hasFix: boolean;
  fixedIn: string[];
  nearestFixedInVersion?: string;
  priorityScore?: number;
  packageName?: string;
  packageVersions: string[];
  language?: string;
  publicationTime?: string;
  disclosureTime?: string;
  isMaliciousPackage?: boolean;
  isIgnored?: boolean;
  isPatched?: boolean;
}

interface RecordBase {
  recordId: string;
  time: string;
  delivery: DeliveryInfo;
  org: OrgInfo | undefined;
  project: ProjectInfo | undefined;
}

/** One issue introduced or resolved in one project, from one delivery. */
export interface Finding extends RecordBase {
  kind: 'finding';
  action: 'issue_introduced' | 'issue_resolved';
  severity: Severity;
  issue: IssueInfo;
}

export interface SeverityCounts {
  low: number;
  medium: number;
  high: number;
  critical: number;
}

/** One per project_snapshot: the project's open counts and the size of the delta. */
export interface SnapshotSummary extends RecordBase {
  kind: 'summary';
  action: 'snapshot';
  severity: undefined;
  /** project.issueCountsBySeverity as sent (a missing severity counts 0). */
  openCounts: SeverityCounts;
  newCounts: SeverityCounts;
  removedCounts: SeverityCounts;
  newTotal: number;
  removedTotal: number;
}

/** Any event without a dedicated normaliser. */
export interface GenericEvent extends RecordBase {
  kind: 'generic';
  action: 'event';
  severity: undefined;
  payloadBytes: number;
}

export type NormalizedRecord = Finding | SnapshotSummary | GenericEvent;
