// Each SIEM's view of a record: the field names and values a search there sees, built from the encoded record.
import { readFileSync } from 'node:fs';
import { encode, type NormalizedRecord } from '../../normalizers/index.js';
import { parseCef } from '../normalizers/parsers/cef-parse.js';
import { parseLeef } from '../normalizers/parsers/leef-parse.js';
import { CIM_OPTIONAL, CIM_REQUIRED, eventtypeMatches } from './cim-oracle.js';
import { readConf, setting } from './splunk-conf.js';
import type { QueryLang } from './query-fields.js';

export type Row = Record<string, unknown>;

export interface Siem {
  /** docs/siem/<page>.md */
  page: string;
  langs: readonly QueryLang[];
  row(record: NormalizedRecord): Row;
  /** Names a search may use that are not record fields (the SIEM's own columns and metadata). */
  builtins: ReadonlySet<string>;
  /** Row fields the open-finding replay reads: the record id, the action, and the record's own time. */
  id: string;
  action: string;
  time(row: Row): number;
  /** The name of that time in the SIEM's searches, which a state search must order by (undefined: LEQL orders by none). */
  timeField: string | undefined;
  /** How the page's state searches decide "open" (docs/siem/README.md). */
  approach: 'latest' | 'distinct-counts';
}

const DOCS = new URL('../../docs/siem/', import.meta.url);
const TA = new URL('../../deploy/siem/splunk/TA-snyk-siem-forwarder/default/', import.meta.url);

/** A nested JSON document as dotted paths (ECS), arrays kept as they are. */
function flatten(value: unknown, prefix = '', out: Row = {}): Row {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
  } else out[prefix] = value;
  return out;
}

/**
 * A Markdown mapping table of a docs/siem page: backticked CEF keys in the first column, backticked names in the
 * second; `a` / `b` cells pair up. Rows whose first cell has no backticked key are skipped.
 */
export function mappingTable(page: string): Map<string, string> {
  const text = readFileSync(new URL(page, DOCS), 'utf8');
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4) continue;
    const keys = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    const names = [...(cells[2] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? '');
    if (keys.length === 0 || keys.length !== names.length) continue;
    keys.forEach((key, i) => map.set(key, names[i] ?? ''));
  }
  return map;
}

/** A CEF record keyed by header field names (`Device Vendor`, …) and extension keys. */
function cefFields(line: string): Row {
  const cef = parseCef(line);
  const row: Row = {
    'Device Vendor': cef.deviceVendor,
    'Device Product': cef.deviceProduct,
    'Device Version': cef.deviceVersion,
    'Device Event Class ID': cef.deviceEventClassId,
    Name: cef.name,
    Severity: cef.severity,
  };
  for (const [key, value] of cef.extension) row[key] = value;
  return row;
}

/** CEF keys renamed by a mapping table; user-defined `snyk…` keys go where the table's `snyk…` row says. */
function renamed(fields: Row, table: Map<string, string>, userDefined: string | undefined): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(fields)) {
    const name = table.get(key);
    if (name !== undefined) row[name] = value;
    else if (key.startsWith('snyk') && userDefined !== undefined)
      row[userDefined] = `${String(row[userDefined] ?? '')}${key}=${String(value)};`;
    else throw new Error(`CEF key ${key} is not in the mapping table`);
  }
  return row;
}

// Splunk: JSON keys as KV_MODE = json names them (arrays as `key{}`, every value a string), the add-on's field
// aliases, and the CIM data model fields of tagged events.
const props = readConf(new URL('props.conf', TA));
const eventtypeSearch = setting(readConf(new URL('eventtypes.conf', TA)), 'snyk_vulnerability', 'search');
const ALIASES = [...(props.get('snyk:finding') ?? new Map<string, string>()).entries()]
  .filter(([key]) => key.startsWith('FIELDALIAS-'))
  .map(([, value]) => /^"([^"]+)" AS (\S+)$/.exec(value))
  .map((m) => ({ from: m?.[1] ?? '', to: m?.[2] ?? '' }));
const DATA_MODEL_FIELDS = [...CIM_REQUIRED, ...CIM_OPTIONAL];

function splunkRow(record: NormalizedRecord): Row {
  const json = JSON.parse(encode(record, 'json', { cim: true })) as Row;
  const row: Row = { _time: record.time };
  for (const [key, value] of Object.entries(json)) {
    if (Array.isArray(value)) row[`${key}{}`] = value;
    else row[key] = String(value);
  }
  for (const { from, to } of ALIASES) if (row[from] !== undefined) row[to] = row[from];
  if (eventtypeMatches(eventtypeSearch, json, 'snyk:finding')) {
    for (const field of DATA_MODEL_FIELDS) {
      const value = row[field] ?? row[`${field}{}`];
      if (value !== undefined) row[`Vulnerabilities.${field}`] = value;
    }
  }
  return row;
}

export const SIEMS: readonly Siem[] = [
  {
    page: 'splunk.md',
    langs: ['spl'],
    row: splunkRow,
    builtins: new Set(['_time']),
    id: 'record_id',
    action: 'action',
    time: (row) => Date.parse(String(row['_time'])),
    timeField: '_time',
    approach: 'latest',
  },
  {
    page: 'elastic.md',
    langs: ['esql', 'kql'],
    row: (record) => flatten(JSON.parse(encode(record, 'ecs'))),
    builtins: new Set(),
    id: 'event.id',
    action: 'event.action',
    time: (row) => Date.parse(String(row['@timestamp'])),
    timeField: '@timestamp',
    approach: 'latest',
  },
  {
    page: 'rapid7.md',
    langs: ['leql'],
    row: (record) => JSON.parse(encode(record, 'json')) as Row,
    builtins: new Set(),
    id: 'record_id',
    action: 'action',
    time: () => Number.NaN,
    timeField: undefined,
    approach: 'distinct-counts',
  },
  {
    page: 'sentinel.md',
    langs: ['kusto'],
    row: (record) => {
      const table = mappingTable('sentinel.md');
      return { ...renamed(cefFields(encode(record, 'cef')), table, table.get('snyk…')), TimeGenerated: '' };
    },
    builtins: new Set(['TimeGenerated']),
    id: 'ExtID',
    action: 'DeviceAction',
    time: (row) => Number(row['ReceiptTime']),
    timeField: 'ReceiptTime',
    approach: 'latest',
  },
  {
    page: 'arcsight.md',
    langs: ['arcsight'],
    // A SmartConnector keeps user-defined keys in the event's Additional Data, not in named fields.
    row: (record) =>
      renamed(cefFields(encode(record, 'cef')), mappingTable('arcsight.md'), 'Additional Data'),
    builtins: new Set(),
    id: 'externalId',
    action: 'deviceAction',
    time: (row) => Number(row['deviceReceiptTime']),
    timeField: 'deviceReceiptTime',
    approach: 'latest',
  },
  {
    page: 'qradar.md',
    langs: ['aql'],
    row: (record) => {
      const leef = parseLeef(encode(record, 'leef'));
      const row: Row = Object.fromEntries(leef.attributes);
      // QRadar's own columns: the event time from devTime, the severity from sev, the log source type.
      row['devicetime'] = Date.parse(leef.attributes.get('devTime') ?? '');
      row['severity'] = leef.attributes.get('sev');
      row['devicetype'] = 'Universal LEEF';
      return row;
    },
    builtins: new Set(),
    id: 'recordId',
    action: 'action',
    time: (row) => Number(row['devicetime']),
    timeField: 'devicetime',
    approach: 'latest',
  },
];
