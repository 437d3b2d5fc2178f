// Public API of normalizers/: Snyk webhook payload → records → CEF, LEEF, ECS or JSON lines. Pure: no I/O, no clock.
import { encodeCef } from './encode/cef.js';
import { encodeEcs } from './encode/ecs.js';
import { encodeJson } from './encode/json.js';
import { encodeLeef } from './encode/leef.js';
import { fitRecord, type Fitted } from './fit.js';
import { normalizerFor } from './registry.js';
import type { DeliveryContext, NormalizedRecord, OutputFormat, RecordFacets } from './types.js';

export type {
  DeliveryContext,
  DeliveryInfo,
  Finding,
  GenericEvent,
  IssueInfo,
  NormalizedRecord,
  OmittedCounts,
  OrgInfo,
  OutputFormat,
  ProjectInfo,
  RecordFacets,
  Severity,
  SeverityCounts,
  SnapshotSummary,
} from './types.js';
export { OUTPUT_FORMATS, SEVERITIES } from './types.js';
export { PayloadError } from './errors.js';
export type { Fitted } from './fit.js';
export { LIMITS } from './limits.js';
export { KNOWN_EVENTS } from './registry.js';
export { PRODUCT_VERSION } from './version.js';
export { findingKey, findingKeys, parseFindingKey } from './finding-key.js';
export { readRestIssue, type RestIssue } from './snyk/read-rest-issue.js';
export {
  RECONCILE_EVENT,
  reconciledFinding,
  reconciledFindings,
  reconciledRecordId,
  type ReconcileContext,
} from './reconciled.js';

/** Turns one delivery into records: ping/* → [], unknown events → one generic record. Throws PayloadError. */
export function normalize(payload: unknown, context: DeliveryContext): NormalizedRecord[] {
  return normalizerFor(context.event)(payload, context);
}

/** How a record is encoded beyond its format. */
export interface EncodeOptions {
  /** `json` only: add the Splunk CIM Vulnerabilities fields to findings (encode/cim.ts); other formats ignore it. */
  cim?: boolean;
}

/** Encodes one record as one line in the target's format; the result never contains CR, LF or NUL. */
export function encode(record: NormalizedRecord, format: OutputFormat, options: EncodeOptions = {}): string {
  switch (format) {
    case 'cef':
      return encodeCef(record);
    case 'leef':
      return encodeLeef(record);
    case 'ecs':
      return encodeEcs(record);
    case 'json':
      return encodeJson(record, { cim: options.cim });
  }
}

/**
 * encode, within `maxBytes` UTF-8 bytes: a longer record loses advisory text, then title text, at a character boundary
 * and with the truncation marker, and names the cut fields (`truncated_fields`). Ids, severity, CVEs, packages and
 * versions are never cut. `tooLarge` when even the record without that text is over the budget (fit.ts).
 */
export function encodeToFit(
  record: NormalizedRecord,
  format: OutputFormat,
  maxBytes: number,
  options: EncodeOptions = {},
): Fitted {
  return fitRecord(record, (candidate) => encode(candidate, format, options), maxBytes);
}

/** The fields every record exposes to target filters and the queue. */
export function facets(record: NormalizedRecord): RecordFacets {
  const org = record.org;
  const project = record.project;
  return {
    recordId: record.recordId,
    kind: record.kind,
    action: record.action,
    severity: record.severity,
    time: record.time,
    org: org === undefined ? undefined : pick({ id: org.id, name: org.name, slug: org.slug }),
    project: project === undefined ? undefined : pick({ id: project.id, name: project.name }),
  };
}

function pick<T extends Record<string, string | undefined>>(value: T): { [K in keyof T]?: string } {
  const out: { [K in keyof T]?: string } = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    const v = value[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
