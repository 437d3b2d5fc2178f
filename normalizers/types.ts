// The record types normalizers produce: canonical Finding, snapshot summary and generic event, plus their facets.

/** The record formats every target can ask for (docs/mapping.md). */
export const OUTPUT_FORMATS = ['cef', 'leef', 'ecs', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Snyk's severities, lowest first; records without one (generic events) leave it undefined. */
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What the receiver knows about one delivery besides its body. */
export interface DeliveryContext {
  /** Full X-Snyk-Event header value, e.g. 'project_snapshot/v0'. */
  event: string;
  /** X-Snyk-Transport-ID (the receiver generates a UUID when Snyk sent none). Unsigned: informational only. */
  transportId: string;
  /** X-Snyk-Timestamp header, untrusted text. */
  snykTimestamp: string | undefined;
  /** ISO 8601 time the receiver accepted the delivery; this is "now" for normalizers, which never read the clock. */
  receivedAt: string;
  /** Size of the raw body in bytes. */
  payloadBytes: number;
  /**
   * SHA-256 (hex) of the raw body as received, the signed bytes: record ids derive from it. A caller that holds only
   * the parsed payload leaves it out, and the SHA-256 of the payload's JSON text is used instead.
   */
  bodySha256?: string;
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
  /**
   * X-Snyk-Timestamp normalised to ISO 8601 (ms), or undefined when absent, not a valid timestamp, or outside the
   * window around receivedAt (limits.ts).
   */
  snykTimestamp: string | undefined;
  /** A header that was sent but refused, as printable ASCII, at most 64 characters; absent otherwise. */
  snykTimestampHeader?: string;
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
  /** Tags and attribute values left out to fit the context budget (context-budget.ts); absent when none were. */
  tagsOmitted?: number;
  attributesOmitted?: number;
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
  /** Distinct list entries past the per-list limit, by list; absent when nothing was cut. */
  omitted?: OmittedCounts;
}

/** The lists of an issue that a limit can cut (limits.ts itemsPerList). */
export interface OmittedCounts {
  cves?: number;
  cwes?: number;
  ghsas?: number;
  fixedIn?: number;
  packageVersions?: number;
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
  /** Severities of the issues that became findings. */
  newCounts: SeverityCounts;
  removedCounts: SeverityCounts;
  /** Entries of newIssues and removedIssues as sent, findings or not. */
  newTotal: number;
  removedTotal: number;
  /** Entries past the per-list limit (limits.ts issuesPerList): counted here, no finding of their own. */
  newOmitted: number;
  removedOmitted: number;
}

/** Any event without a dedicated normaliser. */
export interface GenericEvent extends RecordBase {
  kind: 'generic';
  action: 'event';
  severity: undefined;
  payloadBytes: number;
}

export type NormalizedRecord = Finding | SnapshotSummary | GenericEvent;
