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
  /** project.lastTestedDate: when Snyk ran the test that produced this snapshot (canonical ISO 8601). */
  lastTested?: string;
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
  /** When the issue entered the project (canonical ISO 8601); the v1 reporting API's `introducedDate`. */
  introducedDate?: string;
  /** issueData.semver.vulnerable: the vulnerable ranges in the ecosystem's notation (`<0.2.25`, `[2.0,4.7)`). */
  semverVulnerable?: string[];
  /** The packages to upgrade along the dependency path (upgradePath without its `false` entries), direct one first. */
  upgradePath?: string[];
  /** project.remediation entries that name this issue: `upgrade a@1 to a@2`, `pin b@1 to b@3`, `patch`. */
  remediation?: string[];
  /** issueData.epssDetails: the probability (0-1) of exploitation in the next 30 days, and its percentile (0-1). */
  epss?: EpssInfo;
  /** issueData.severities[]: the severity and CVSS score each source (Snyk, NVD, a distribution) gives the issue. */
  severities?: SeveritySource[];
  /** issueData.exploitDetails: where exploits were seen, and the exploit maturity in each CVSS version's terms. */
  exploitSources?: string[];
  exploitMaturityLevels?: ExploitMaturityLevel[];
  /** Distinct list entries past the per-list limit, by list; absent when nothing was cut. */
  omitted?: OmittedCounts;
  /** Numbers left out because they were outside their field's range (mapping §4), by JSON name; absent when none. */
  droppedFields?: string[];
}

/** FIRST EPSS (https://www.first.org/epss/model): both numbers are within 0-1. */
export interface EpssInfo {
  probability?: number;
  percentile?: number;
  modelVersion?: string;
}

/** One entry of issueData.severities[]: `{assigner, severity, baseScore, vector, cvssVersion}`. */
export interface SeveritySource {
  source?: string;
  level?: string;
  /** CVSS base score, 0-10. */
  score?: number;
  vector?: string;
  version?: string;
}

/** One entry of issueData.exploitDetails.maturityLevels[]: `{format: 'CVSSv4', level: 'Attacked'}`. */
export interface ExploitMaturityLevel {
  format?: string;
  level: string;
}

/** The lists of an issue that a limit can cut (limits.ts itemsPerList). */
export interface OmittedCounts {
  cves?: number;
  cwes?: number;
  ghsas?: number;
  fixedIn?: number;
  packageVersions?: number;
  semverVulnerable?: number;
  upgradePath?: number;
  remediation?: number;
  severities?: number;
  exploitSources?: number;
  exploitMaturityLevels?: number;
}

interface RecordBase {
  recordId: string;
  time: string;
  delivery: DeliveryInfo;
  org: OrgInfo | undefined;
  project: ProjectInfo | undefined;
  /**
   * Free-text fields cut to fit a target's record budget (fit.ts), by their JSON name (`description`, `issue_title`);
   * absent when nothing was cut.
   */
  truncatedFields?: readonly string[];
}

/** One issue introduced or resolved in one project, from one delivery. */
export interface Finding extends RecordBase {
  kind: 'finding';
  action: 'issue_introduced' | 'issue_resolved';
  severity: Severity;
  issue: IssueInfo;
  /**
   * Set on a record that reconciliation against Snyk's REST API emitted for a delivery that never arrived
   * (docs/reconcile.md); absent on every record made from a webhook.
   */
  reconciled?: true;
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
  /** Open counts that were not non-negative safe integers: counted 0 and named here (`open_low`); absent when none. */
  droppedFields?: string[];
}

/** Any event without a dedicated normaliser. */
export interface GenericEvent extends RecordBase {
  kind: 'generic';
  action: 'event';
  severity: undefined;
  payloadBytes: number;
}

export type NormalizedRecord = Finding | SnapshotSummary | GenericEvent;
