// The Splunk add-on (deploy/siem/splunk) against real records: parsing settings, eventtype, tags, CIM Vulnerabilities.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode, type NormalizedRecord } from '../../normalizers/index.js';
import { splunkHecTargetSchema } from '../../src/targets/splunk-hec/config.js';
import { CIM_REQUIRED, CIM_SEVERITY_VALUES, CIM_TAGS, eventtypeMatches } from './cim-oracle.js';
import { corpus, realRecords } from './corpus.js';
import { readConf, setting } from './splunk-conf.js';

const TA = new URL('../../deploy/siem/splunk/TA-snyk-siem-forwarder/', import.meta.url);
const props = readConf(new URL('default/props.conf', TA));
const eventtypes = readConf(new URL('default/eventtypes.conf', TA));
const tags = readConf(new URL('default/tags.conf', TA));
const app = readConf(new URL('default/app.conf', TA));
const meta = readConf(new URL('metadata/default.meta', TA));
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const hec = splunkHecTargetSchema.parse({
  name: 'splunk',
  type: 'splunk-hec',
  url: 'https://splunk.example:8088',
  token: '00000000-0000-0000-0000-000000000000',
});
const SOURCETYPE = hec.sourcetype;

type Json = Record<string, unknown>;

/** A record as the splunk-hec target sends it by default: json with the CIM fields. */
function asHecEvent(record: NormalizedRecord): Json {
  return JSON.parse(encode(record, hec.format, { cim: hec.cim })) as Json;
}

/** Splunk strptime for the conversions TIME_FORMAT uses (%Y %m %d %H %M %S %3N and literal text), in the given TZ. */
function strptime(format: string, text: string): number {
  const parts: string[] = [];
  const regex = format.replace(
    /%(3N|[YmdHMS])|([^%]+)/g,
    (_, conversion: string | undefined, literal?: string) => {
      if (literal !== undefined) return literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parts.push(conversion ?? '');
      return conversion === 'Y' ? '(\\d{4})' : conversion === '3N' ? '(\\d{3})' : '(\\d{2})';
    },
  );
  const match = new RegExp(`^${regex}`).exec(text);
  if (!match) return Number.NaN;
  const value = (c: string): number => Number(match[parts.indexOf(c) + 1] ?? '0');
  return Date.UTC(value('Y'), value('m') - 1, value('d'), value('H'), value('M'), value('S'), value('3N'));
}

describe('TA-snyk-siem-forwarder app', () => {
  it('names itself and carries the forwarder version', () => {
    expect(setting(app, 'package', 'id')).toBe('TA-snyk-siem-forwarder');
    expect(setting(app, 'id', 'name')).toBe('TA-snyk-siem-forwarder');
    expect(setting(app, 'id', 'version')).toBe(packageJson.version);
    expect(setting(app, 'launcher', 'version')).toBe(packageJson.version);
  });

  it('exports its knowledge objects to every app, so the CIM data models see them', () => {
    expect(setting(meta, '', 'export')).toBe('system');
  });
});

describe('props.conf', () => {
  it('has a stanza for the splunk-hec target’s default sourcetype', () => {
    expect(SOURCETYPE).toBe('snyk:finding');
    expect(props.has(SOURCETYPE)).toBe(true);
  });

  it('never truncates, never merges lines, breaks at newlines and extracts JSON at search time', () => {
    expect(setting(props, SOURCETYPE, 'TRUNCATE')).toBe('0');
    expect(setting(props, SOURCETYPE, 'SHOULD_LINEMERGE')).toBe('false');
    expect(setting(props, SOURCETYPE, 'KV_MODE')).toBe('json');
    expect(props.get(SOURCETYPE)?.has('INDEXED_EXTRACTIONS')).toBe(false);
    // LINE_BREAKER's first capture group is what Splunk removes between events.
    const breaker = new RegExp(setting(props, SOURCETYPE, 'LINE_BREAKER'), 'g');
    const lines = realRecords().map((r) => encode(r, 'json', { cim: true }));
    const stream = `${lines.join('\n')}\n`;
    const events = stream.split(breaker).filter((piece, i) => i % 2 === 0 && piece !== '');
    expect(events).toEqual(lines);
  });

  it('reads the record’s own time in every real json and ecs record, not another date field', () => {
    const prefix = new RegExp(setting(props, SOURCETYPE, 'TIME_PREFIX'));
    const format = setting(props, SOURCETYPE, 'TIME_FORMAT');
    const lookahead = Number(setting(props, SOURCETYPE, 'MAX_TIMESTAMP_LOOKAHEAD'));
    expect(setting(props, SOURCETYPE, 'TZ')).toBe('UTC');
    const records = realRecords();
    expect(records.length).toBeGreaterThan(10);
    for (const record of records) {
      for (const line of [encode(record, 'json', { cim: true }), encode(record, 'ecs')]) {
        const match = prefix.exec(line);
        expect(match, line.slice(0, 120)).not.toBeNull();
        const after = line.slice((match?.index ?? 0) + (match?.[0].length ?? 0));
        expect(strptime(format, after.slice(0, lookahead))).toBe(Date.parse(record.time));
      }
    }
  });

  it('aliases the array elements `cve{}` to the CIM field `cve`', () => {
    const alias = setting(props, SOURCETYPE, 'FIELDALIAS-snyk_cim_cve');
    const match = /^"([^"]+)\{\}" AS (\w+)$/.exec(alias);
    expect(match?.slice(1)).toEqual(['cve', 'cve']);
    // Splunk names elements `<key>{}` only for JSON arrays: the record must carry `cve` as one.
    const withCve = realRecords()
      .map(asHecEvent)
      .filter((e) => e['cve'] !== undefined);
    expect(withCve.length).toBeGreaterThan(0);
    for (const event of withCve) expect(Array.isArray(event['cve'])).toBe(true);
  });
});

describe('eventtypes.conf and tags.conf', () => {
  const search = setting(eventtypes, 'snyk_vulnerability', 'search');

  it('tags the eventtype with the CIM Vulnerabilities constraint: vulnerability and report', () => {
    for (const tag of CIM_TAGS) expect(setting(tags, 'eventtype=snyk_vulnerability', tag)).toBe('enabled');
  });

  it('takes exactly the introduced findings of the sourcetype, and no summary, generic or resolved record', () => {
    const records = corpus();
    const kinds = new Set<string>();
    for (const record of records) {
      const expected = record.kind === 'finding' && record.action === 'issue_introduced';
      expect(eventtypeMatches(search, asHecEvent(record), SOURCETYPE), record.recordId).toBe(expected);
      expect(eventtypeMatches(search, asHecEvent(record), '_json')).toBe(false);
      kinds.add(`${record.kind}/${record.action}`);
    }
    // The corpus holds every kind and action, so each branch above was taken.
    expect([...kinds].sort()).toEqual([
      'finding/issue_introduced',
      'finding/issue_resolved',
      'generic/event',
      'summary/snapshot',
    ]);
  });
});

describe('CIM Vulnerabilities fields (splunk-hec default: json with cim)', () => {
  it('is on by default for the splunk-hec target and can be turned off', () => {
    expect(hec.format).toBe('json');
    expect(hec.cim).toBe(true);
    expect(splunkHecTargetSchema.parse({ ...hec, cim: false }).cim).toBe(false);
  });

  it('every tagged event carries the required fields with allowed values, as Splunk’s CIM checks define them', () => {
    const search = setting(eventtypes, 'snyk_vulnerability', 'search');
    const tagged = corpus()
      .map(asHecEvent)
      .filter((event) => eventtypeMatches(search, event, SOURCETYPE));
    expect(tagged.length).toBeGreaterThan(30);
    const severities = new Set<unknown>();
    for (const event of tagged) {
      const id = String(event['record_id']);
      // `cve` is required, but a finding Snyk lists without a CVE id (npm:braces:20180219 in the real fixtures) has
      // none to give: the field is then absent, which pytest-splunk-addon declares per sample as a missing field.
      const cves = event['cves'] as string[];
      const required = CIM_REQUIRED.filter((field) => field !== 'cve' || cves.length > 0);
      for (const field of required) expect(event[field], `${id} ${field}`).toBeDefined();
      if (cves.length === 0) expect(event['cve'], id).toBeUndefined();
      else expect(event['cve']).toEqual(cves);
      for (const cve of (event['cve'] as string[] | undefined) ?? [])
        expect(cve).toMatch(/^CVE-\d{4}-\d{4,}$/);
      expect(CIM_SEVERITY_VALUES, id).toContain(event['severity']);
      severities.add(event['severity']);
      expect(typeof event['cvss']).toBe('number');
      expect(event['cvss']).toBeGreaterThanOrEqual(0);
      expect(event['cvss']).toBeLessThanOrEqual(10);
      expect(event['dest']).toBe(event['project_name']);
      expect(event['dvc']).toBe('snyk');
      expect(event['signature']).toBe(event['issue_title']);
      expect(event['signature_id']).toBe(event['issue_id']);
      expect(event['url']).toBe(event['issue_url']);
      expect(String(event['category'])).toMatch(/^(CWE-\d+|vulnerability|license)$/);
      expect(['Snyk Open Source', 'Snyk Container', 'Snyk IaC', 'Snyk Code']).toContain(
        event['vendor_product'],
      );
    }
    // Every Snyk severity was checked (the variants supply critical, which no real fixture has).
    expect([...severities].sort()).toEqual(['critical', 'high', 'low', 'medium']);
  });

  it('adds nothing to summaries and generic events, and nothing at all without cim', () => {
    const cimOnly = [
      'dest',
      'dvc',
      'signature',
      'signature_id',
      'cve',
      'cvss',
      'category',
      'url',
      'vendor_product',
    ];
    for (const record of realRecords()) {
      const plain = JSON.parse(encode(record, 'json')) as Json;
      for (const field of cimOnly) expect(plain[field], field).toBeUndefined();
      const withCim = asHecEvent(record);
      if (record.kind !== 'finding') expect(withCim).toEqual(plain);
      // The CIM fields only add keys: every plain field keeps its value.
      else expect(withCim).toMatchObject(plain);
    }
  });
});
