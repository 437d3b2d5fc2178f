// ECS 9.x encoder: one JSON document per record; fields without an ECS home live under `snyk.*`.
import { isContainerType, productFor } from '../product.js';
import { SEVERITY_SCORE } from '../severity.js';
import { PRODUCT_VERSION } from '../version.js';
import type { Finding, IssueInfo, NormalizedRecord } from '../types.js';
import { commonFlat, kindFlat } from './flat.js';
import { safeJson } from './json-text.js';

// Field reference: ECS 9.4 (ecs_flat.yml, shipped as EcsFlat in the npm package @elastic/ecs 9.4.0), summarised
// in the ECS 9 field reference. Categorisation: event.category `vulnerability` expects event.type `info`;
// event.kind `alert` for a newly introduced issue (as Elastic's own Snyk integration does), `event` for a
// resolved one, `metric` for the snapshot counts, `event` for anything else.

export const ECS_VERSION = '9.4.0';

type Doc = Record<string, unknown>;

export function encodeEcs(record: NormalizedRecord): string {
  return safeJson(ecsDocument(record));
}

/** The ECS document as a nested object; absent values are left out, never written as null or {}. */
export function ecsDocument(record: NormalizedRecord): Doc {
  const doc: Doc = {
    '@timestamp': record.time,
    ecs: { version: ECS_VERSION },
    message: message(record),
    event: eventFields(record),
    // The observer is Snyk, which found the issue; the agent is this forwarder, which shipped the record.
    observer: { vendor: 'Snyk', product: productFor(record.project?.type) },
    agent: { type: 'snyk-siem-forwarder', version: PRODUCT_VERSION },
  };
  const org = record.org;
  if (org?.id !== undefined || org?.name !== undefined) {
    const organization: Doc = {};
    put(organization, 'id', org.id);
    put(organization, 'name', org.name);
    doc['organization'] = organization;
  }
  if (record.kind === 'finding') {
    doc['vulnerability'] = vulnerabilityFields(record);
    const pkg = packageFields(record);
    if (pkg !== undefined) doc['package'] = pkg;
  }
  const project = record.project;
  if (project !== undefined && isContainerType(project.type)) {
    const image: Doc = {};
    put(image, 'name', imageName(project.name));
    if (project.imageTag !== undefined) image['tag'] = [project.imageTag];
    if (project.imageId !== undefined) image['hash'] = { all: [project.imageId] };
    if (Object.keys(image).length > 0) doc['container'] = { image };
  }
  if (project !== undefined && project.tags.length > 0)
    doc['tags'] = project.tags.map((t) => `${t.key}:${t.value}`);
  doc['snyk'] = snykFields(record);
  return doc;
}

function eventFields(record: NormalizedRecord): Doc {
  const event: Doc = {
    kind:
      record.kind === 'finding'
        ? record.action === 'issue_introduced'
          ? 'alert'
          : 'event'
        : record.kind === 'summary'
          ? 'metric'
          : 'event',
  };
  if (record.kind !== 'generic') event['category'] = ['vulnerability'];
  event['type'] = ['info'];
  event['action'] = record.action;
  event['module'] = 'snyk';
  event['dataset'] =
    record.kind === 'finding'
      ? 'snyk.findings'
      : record.kind === 'summary'
        ? 'snyk.snapshots'
        : 'snyk.events';
  // A reconciled record comes from Snyk's REST API, not from a webhook (docs/reconcile.md).
  event['provider'] =
    record.kind === 'finding' && record.reconciled === true ? 'snyk-rest-api' : 'snyk-webhook';
  event['id'] = record.recordId;
  event['created'] = record.delivery.receivedAt;
  if (record.kind === 'finding') {
    event['severity'] = SEVERITY_SCORE[record.severity];
    put(event, 'risk_score', finite(record.issue.priorityScore));
    put(event, 'reference', record.issue.url);
  }
  put(event, 'url', record.project?.browseUrl);
  return event;
}

function vulnerabilityFields(record: Finding): Doc {
  const i = record.issue;
  const enumeration = ['SNYK'];
  if (i.cves.length > 0) enumeration.push('CVE');
  if (i.ghsas.length > 0) enumeration.push('GHSA');
  const v: Doc = {
    // Every identifier, so that `vulnerability.id: "CVE-2021-44228"` finds the Snyk finding (the convention of
    // Elastic's Snyk integration, which appends problem ids and sources into arrays).
    id: [i.id, ...i.cves, ...i.ghsas],
    enumeration,
    severity: i.severity,
  };
  put(v, 'reference', i.url);
  put(v, 'description', i.description);
  if (finite(i.cvssScore) !== undefined) {
    v['classification'] = 'CVSS';
    const score: Doc = { base: i.cvssScore };
    put(score, 'version', i.cvssVersion);
    v['score'] = score;
  }
  v['scanner'] = { vendor: 'Snyk' };
  return v;
}

/** package.* only for a finding in a package: an IaC or licence-only finding has no name nor version to describe. */
function packageFields(record: Finding): Doc | undefined {
  const i = record.issue;
  const versions = i.packageVersions;
  if (i.packageName === undefined && versions.length === 0) return undefined;
  const pkg: Doc = {};
  put(pkg, 'name', i.packageName);
  if (versions.length > 0) pkg['version'] = versions.length === 1 ? versions[0] : versions;
  put(pkg, 'type', record.project?.type);
  return pkg;
}

// Flat keys whose value is already in an ECS field of the same document.
const DUPLICATED_IN_ECS = new Set([
  'record_id',
  'time',
  'action',
  'description',
  'issue_url',
  'package_name',
]);
// Flat keys that a document holds as objects instead (structuredField): the flat form joins what ECS can nest, so
// `snyk.issue.epss.probability` is a number beside its percentile and each source's rating is an object.
const STRUCTURED_IN_ECS = new Set([
  'epss_probability',
  'epss_percentile',
  'epss_model_version',
  'severities',
  'exploit_maturity_levels',
]);
// Where the kind-specific fields go under `snyk` (a generic record's few fields stay at `snyk.*`).
const KIND_GROUP = { finding: 'issue', summary: 'summary', generic: undefined } as const;

/**
 * Everything without an ECS home: delivery fields at `snyk.*`, org and project fields under `snyk.org.*` and
 * `snyk.project.*`, the finding's issue under `snyk.issue.*` and summary counts under `snyk.summary.*`, with
 * the snake_case names of the flat JSON format.
 */
function snykFields(record: NormalizedRecord): Doc {
  const out: Doc = {};
  const common = commonFlat(record);
  for (const key in common) {
    if (DUPLICATED_IN_ECS.has(key)) continue;
    const group = key.startsWith('org_') ? 'org' : key.startsWith('project_') ? 'project' : undefined;
    if (group === undefined) out[key] = common[key];
    else ((out[group] ??= {}) as Doc)[key.slice(group.length + 1)] = common[key];
  }
  const own = kindFlat(record);
  const group = KIND_GROUP[record.kind];
  const inner: Doc = group === undefined ? out : {};
  for (const key in own) {
    if (DUPLICATED_IN_ECS.has(key)) continue;
    if (STRUCTURED_IN_ECS.has(key)) {
      if (record.kind === 'finding') structuredField(record.issue, key, inner);
      continue;
    }
    inner[key.startsWith('issue_') ? key.slice(6) : key] = own[key];
  }
  if (group !== undefined) out[group] = inner;
  return out;
}

/** The ECS form of a STRUCTURED_IN_ECS key, set where the flat form would be; absent parts stay absent. */
function structuredField(issue: IssueInfo, key: string, inner: Doc): void {
  if (key.startsWith('epss_')) {
    if (inner['epss'] !== undefined || issue.epss === undefined) return;
    const epss: Doc = {};
    put(epss, 'probability', finite(issue.epss.probability));
    put(epss, 'percentile', finite(issue.epss.percentile));
    put(epss, 'model_version', issue.epss.modelVersion);
    inner['epss'] = epss;
  } else if (key === 'severities') {
    inner['severities'] = (issue.severities ?? []).map((s) => {
      const source: Doc = {};
      put(source, 'source', s.source);
      put(source, 'level', s.level);
      put(source, 'score', finite(s.score));
      put(source, 'vector', s.vector);
      put(source, 'version', s.version);
      return source;
    });
  } else if (key === 'exploit_maturity_levels') {
    inner['exploit_maturity_levels'] = (issue.exploitMaturityLevels ?? []).map((m) => {
      const level: Doc = {};
      put(level, 'format', m.format);
      level['level'] = m.level;
      return level;
    });
  }
}

function message(record: NormalizedRecord): string {
  if (record.kind === 'finding') {
    const i = record.issue;
    const verb = record.action === 'issue_introduced' ? 'introduced' : 'resolved';
    const pkg = i.packageName === undefined ? '' : ` in ${i.packageName}`;
    const where = record.project?.name === undefined ? '' : ` (${record.project.name})`;
    return `Snyk ${i.severity} issue ${verb}: ${i.title} [${i.id}]${pkg}${where}`;
  }
  if (record.kind === 'summary') {
    const where = record.project?.name === undefined ? '' : ` of ${record.project.name}`;
    return `Snyk project snapshot${where}: ${record.newTotal} new, ${record.removedTotal} removed issues`;
  }
  return `Snyk event ${record.delivery.event}`;
}

function imageName(projectName: string | undefined): string | undefined {
  if (projectName === undefined) return undefined;
  // Container projects are named `image:tag`; a `:` inside the last path segment starts the tag.
  const slash = projectName.lastIndexOf('/');
  const colon = projectName.indexOf(':', slash + 1);
  const name = colon < 0 ? projectName : projectName.slice(0, colon);
  return name === '' ? undefined : name;
}

/** ECS float fields (event.risk_score, vulnerability.score.base) hold finite numbers only; JSON has no NaN. */
function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function put(target: Doc, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}
