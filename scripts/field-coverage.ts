// Which Snyk finding fields reach each record format: normalizes the full-issue fixture and looks for each value in every encoded record.
// Usage: npx tsx scripts/field-coverage.ts [--out file.md]
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { encode, normalize, OUTPUT_FORMATS } from '../normalizers/index.js';
import type { Finding, OutputFormat } from '../normalizers/index.js';
import { readFixture } from '../test/normalizers/golden-cases.js';
import { parseCef } from '../test/normalizers/parsers/cef-parse.js';
import { parseLeef } from '../test/normalizers/parsers/leef-parse.js';

// The fixture is a real capture (mrzarquon/goof) whose first issue carries every block Snyk documents for an issue,
// the newer ones included (test/fixtures/snyk/README.md); its second issue is the only one with a GHSA id.
export const COVERAGE_FIXTURE = 'project_snapshot-v0.full-issue.json';

/** One field an analyst looks for, and how to recognise its value in a parsed record. */
export interface FieldSpec {
  /** Where it is in the Snyk payload. */
  field: string;
  /** Which finding of the fixture carries it (index in newIssues). */
  issue?: number;
  /** Any one of these texts: the value as Snyk sends it, or in a format's own notation (epoch ms for CEF dates). */
  values: readonly string[];
  /**
   * For values that are not distinctive by themselves (booleans, `high`, `js`) or that other fields also hold (a
   * version): the key (JSON path, CEF key with its label, LEEF attribute) must match too.
   */
  key?: RegExp;
}

const ISSUE = 'newIssues[].';
const DATA = `${ISSUE}issueData.`;

/** A time as Snyk sends it, as the normalised ISO 8601 text, and as CEF's epoch milliseconds. */
function times(text: string): string[] {
  const ms = Date.parse(text);
  return [text, new Date(ms).toISOString(), String(ms)];
}

export const FIELDS: readonly FieldSpec[] = [
  { field: `${ISSUE}id`, values: ['SNYK-JS-TYPEORM-590152'] },
  { field: `${DATA}title`, values: ['Prototype Pollution'] },
  { field: `${DATA}severity`, values: ['high', '8'], key: /sev/i },
  { field: `${DATA}cvssScore`, values: ['8.3'], key: /cvss|cfp1|score/i },
  { field: `${DATA}CVSSv3`, values: ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:H/E:F'] },
  { field: `${DATA}identifiers.CVE`, values: ['CVE-2020-8158'] },
  { field: `${DATA}identifiers.CWE`, values: ['CWE-400'] },
  { field: `${DATA}identifiers.GHSA`, issue: 1, values: ['GHSA-g95f-p29q-9xw4'] },
  { field: `${ISSUE}pkgName`, values: ['typeorm'], key: /package|pkg/i },
  { field: `${ISSUE}pkgVersions`, values: ['0.2.24'], key: /package|pkg|version/i },
  { field: `${ISSUE}fixInfo.fixedIn`, values: ['0.2.25'], key: /fixed/i },
  { field: `${ISSUE}fixInfo.isUpgradable`, values: ['true'], key: /upgradable/i },
  { field: `${ISSUE}fixInfo.isPatchable`, values: ['false'], key: /patchable/i },
  { field: `${ISSUE}fixInfo.isPinnable`, values: ['false'], key: /pinnable/i },
  { field: `${DATA}exploitMaturity`, values: ['mature'], key: /exploit.?maturity$|Exploit Maturity/i },
  { field: `${ISSUE}priorityScore`, values: ['801'], key: /priority|cn1/i },
  { field: `${DATA}publicationTime`, values: times('2020-07-26T13:45:01Z') },
  { field: `${DATA}disclosureTime`, values: times('2020-07-24T17:20:06Z') },
  { field: `${DATA}url`, values: ['https://snyk.io/vuln/SNYK-JS-TYPEORM-590152'] },
  { field: `${DATA}language`, values: ['js'], key: /language/i },
  { field: 'project.type (package manager)', values: ['npm'], key: /type|product/i },
  { field: 'project.id', values: ['81795aea-7ce4-47bb-bea1-30f2b32a6d90'] },
  { field: 'project.name', values: ['mrzarquon/goof:package.json'] },
  { field: 'project.origin', values: ['github'], key: /origin/i },
  { field: 'project.branch', values: ['main'], key: /branch/i },
  { field: 'project.name :path (target file)', values: ['package.json'], key: /target/i },
  { field: 'org.id', values: ['1b48e2c4-6ca8-455f-a73f-d2f6f2a6b225'] },
  { field: 'org.name', values: ['Angrydome'] },
  { field: 'project.lastTestedDate', values: times('2021-01-22T03:00:23.577Z') },
  { field: `${ISSUE}introducedDate`, values: times('2021-01-21T13:25:02.118Z') },
  { field: `${ISSUE}upgradePath`, values: ['typeorm@0.2.25'], key: /upgrade.?path/i },
  {
    field: 'project.remediation (entries naming the issue)',
    values: ['typeorm@0.2.24'],
    key: /remediation/i,
  },
  { field: `${DATA}semver.vulnerable`, values: ['<0.2.25'] },
  { field: `${DATA}isMaliciousPackage`, values: ['false'], key: /malicious/i },
  { field: `${DATA}epssDetails.probability`, values: ['0.00998'] },
  { field: `${DATA}epssDetails.percentile`, values: ['0.81425'] },
  { field: `${DATA}epssDetails.modelVersion`, values: ['v2025.03.14'] },
  { field: `${DATA}severities[].assigner (source)`, values: ['NVD'], key: /severities/i },
  { field: `${DATA}severities[].severity (level)`, values: ['critical'], key: /severities/i },
  { field: `${DATA}severities[].baseScore`, values: ['9.8'] },
  { field: `${DATA}severities[].vector`, values: ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'] },
  { field: `${DATA}exploitDetails.sources`, values: ['ExploitDB'] },
  { field: `${DATA}exploitDetails.maturityLevels`, values: ['Attacked'], key: /exploit/i },
];

/** One value of a parsed record and the name it goes by. */
interface Leaf {
  key: string;
  text: string;
}

/** Every value of an encoded record, parsed the way a SIEM would, with its key. */
export function leaves(line: string, format: OutputFormat): Leaf[] {
  if (format === 'cef') {
    const cef = parseCef(line);
    const out: Leaf[] = [
      { key: 'deviceProduct', text: cef.deviceProduct },
      { key: 'deviceEventClassId', text: cef.deviceEventClassId },
      { key: 'name', text: cef.name },
      { key: 'severity', text: cef.severity },
    ];
    // A custom key goes by its label too (`cs6 Fixed In`): the label is what names it in ArcSight.
    for (const [key, text] of cef.extension) {
      if (key.endsWith('Label')) continue;
      const label = cef.extension.get(`${key}Label`);
      out.push({ key: label === undefined ? key : `${key} ${label}`, text });
    }
    return out;
  }
  if (format === 'leef') {
    const leef = parseLeef(line);
    const out: Leaf[] = [
      { key: 'product', text: leef.product },
      { key: 'eventId', text: leef.eventId },
    ];
    for (const [key, text] of leef.attributes) out.push({ key, text });
    return out;
  }
  const out: Leaf[] = [];
  collect(JSON.parse(line) as unknown, '', out);
  return out;
}

function collect(value: unknown, path: string, out: Leaf[]): void {
  if (Array.isArray(value)) for (const v of value) collect(v, path, out);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) collect(v, path === '' ? k : `${path}.${k}`, out);
  else if (value !== null && value !== undefined) out.push({ key: path, text: String(value) });
}

/** Whether the record carries the field: a leaf (of the field's key, when it has one) that holds one of its values. */
export function carries(record: readonly Leaf[], spec: FieldSpec): boolean {
  const key = spec.key;
  return record.some((leaf) =>
    spec.values.some((v) =>
      key === undefined ? leaf.text.includes(v) : key.test(leaf.key) && leaf.text.includes(v),
    ),
  );
}

export type Coverage = { field: string; carried: Record<OutputFormat, boolean> }[];

/** The coverage of every field in every format, from the fixture's findings. */
export function coverage(): Coverage {
  const body = readFixture(COVERAGE_FIXTURE).json;
  const records = normalize(body, {
    event: 'project_snapshot/v0',
    transportId: '6f1c2a4e-0c55-4f43-9b1e-000000000099',
    snykTimestamp: '2021-01-22T03:00:25Z',
    receivedAt: '2021-01-22T03:00:25.500Z',
    payloadBytes: JSON.stringify(body).length,
  });
  const findings = records.filter((r): r is Finding => r.kind === 'finding');
  const parsed = findings.map(
    (f) =>
      Object.fromEntries(
        OUTPUT_FORMATS.map((format) => [format, leaves(encode(f, format), format)]),
      ) as Record<OutputFormat, Leaf[]>,
  );
  return FIELDS.map((spec) => {
    const record = parsed[spec.issue ?? 0];
    if (record === undefined) throw new Error(`the fixture has no finding ${spec.issue ?? 0}`);
    return {
      field: spec.field,
      carried: Object.fromEntries(OUTPUT_FORMATS.map((f) => [f, carries(record[f], spec)])) as Record<
        OutputFormat,
        boolean
      >,
    };
  });
}

export function markdown(rows: Coverage): string {
  const header = `| Snyk field | ${OUTPUT_FORMATS.join(' | ')} |`;
  const rule = `|---|${OUTPUT_FORMATS.map(() => ':-:').join('|')}|`;
  const body = rows.map(
    (r) => `| \`${r.field}\` | ${OUTPUT_FORMATS.map((f) => (r.carried[f] ? '✓' : '—')).join(' | ')} |`,
  );
  const totals = `| **carried** | ${OUTPUT_FORMATS.map((f) => `${rows.filter((r) => r.carried[f]).length}/${rows.length}`).join(' | ')} |`;
  return [
    '# Finding fields per record format',
    '',
    `Generated by \`npx tsx scripts/field-coverage.ts\` from \`test/fixtures/snyk/${COVERAGE_FIXTURE}\`: ✓ when the`,
    "field's value is found in the record as a SIEM parses it (CEF and LEEF with the strict test parsers, ECS and",
    'JSON as JSON), — when it is not.',
    '',
    header,
    rule,
    ...body,
    totals,
    '',
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const text = markdown(coverage());
  process.stdout.write(text);
  const at = process.argv.indexOf('--out');
  const out = at < 0 ? undefined : process.argv[at + 1];
  if (out !== undefined) writeFileSync(out, text);
}
