// Splunk CIM `Vulnerabilities` fields of a finding, so that the record itself fills the data model without transforms.
import { productFor } from '../product.js';
import type { NormalizedRecord, Severity } from '../types.js';

// Field definitions: Splunk CIM manual, "Vulnerabilities" data model
// (https://docs.splunk.com/Documentation/CIM/latest/User/Vulnerabilities), and the compliance list Splunk's add-on
// tests use (github.com/splunk/pytest-splunk-addon, pytest_splunk_addon/standard_lib/data_models/Vulnerabilities.json):
// required category, cve, cvss (numeric), dest, dvc, severity (critical, high, medium, low, informational), signature;
// optional signature_id, url, vendor_product. Every Snyk severity is in the CIM set, so no mapping is needed.

/** The `dvc` of every finding: the system that discovered the vulnerability. */
export const CIM_DVC = 'snyk';

/** The CIM `severity` values (the child datasets of the data model split on them). */
export const CIM_SEVERITIES = ['critical', 'high', 'medium', 'low', 'informational'] as const;

export interface CimFields {
  /** The scanned asset: the Snyk project (repository and manifest, or container image), by name, else by id. */
  dest?: string;
  dvc: string;
  signature: string;
  signature_id: string;
  severity: Severity;
  /** Multi-value in Splunk: a JSON array, present only when Snyk lists CVE ids. */
  cve?: string[];
  /** CVSS base score, 0-10; absent when Snyk sends none (license issues). */
  cvss?: number;
  /** The first CWE (e.g. `CWE-400`), else the issue type (`vulnerability`, `license`, …). */
  category: string;
  url?: string;
  vendor_product: string;
}

// Snyk's issueType `vuln` written out, as CIM categories are words ("DoS"), not codes.
const TYPE_CATEGORY: Readonly<Record<string, string>> = { vuln: 'vulnerability' };

/** The CIM fields of a finding; undefined for snapshot summaries and generic events, which report no vulnerability. */
export function cimFields(record: NormalizedRecord): CimFields | undefined {
  if (record.kind !== 'finding') return undefined;
  const issue = record.issue;
  const dest = record.project?.name ?? record.project?.id;
  // Set in the order of the CIM field table, optional fields only when Snyk sent them (absent, not null).
  return {
    ...(dest === undefined ? {} : { dest }),
    dvc: CIM_DVC,
    signature: issue.title,
    signature_id: issue.id,
    severity: record.severity,
    ...(issue.cves.length === 0 ? {} : { cve: issue.cves }),
    ...(issue.cvssScore === undefined ? {} : { cvss: issue.cvssScore }),
    category: issue.cwes[0] ?? TYPE_CATEGORY[issue.type] ?? issue.type,
    ...(issue.url === undefined ? {} : { url: issue.url }),
    vendor_product: productFor(record.project?.type),
  };
}
