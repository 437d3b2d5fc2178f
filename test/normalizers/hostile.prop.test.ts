// Property test: 10,000 generated payloads full of hostile strings encode to records that parse back to the original.
/* eslint-disable no-control-regex -- this test looks for control characters. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, normalize, PayloadError } from '../../normalizers/index.js';
import type { Finding, NormalizedRecord } from '../../normalizers/index.js';
import { ecsProblems } from './ecs-check.js';
import { hostileContext, hostilePayload } from './hostile-arbitraries.js';
import { splittersThatCut } from './line-splitters.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

// Expected-value rules, restated here independently of the encoders:
// - CEF and LEEF show control characters as Unicode Control Pictures (U+2400 + code, DEL as U+2421); C1 controls,
//   U+2028/U+2029, bidirectional controls, zero-width characters and unpaired surrogates as U+FFFD. CR and LF stay
//   real in CEF extension values (escaped as \r and \n); elsewhere in CEF and everywhere in LEEF they are pictured
//   too.
// - LEEF shows a `^` inside a value as U+02C6.
// - Where a format limits a field's length, a longer value is cut and ends with the marker; the parsed value must
//   then be that cut value: a prefix of the expected full value plus the marker, within the limit.
// - JSON and ECS round-trip every string exactly, except unpaired surrogates, which become U+FFFD.
// - No encoded line is cut in two by any common line splitter (line-splitters.ts).
const MARKER = '…[truncated]';
// U+061C, U+200B-U+200F, U+2028-U+202E, U+2060, U+2066-U+2069, U+FEFF.
const INVISIBLE = new Set([
  0x061c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
  0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff,
]);

function pictured(value: string, keepNewlines: boolean): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (keepNewlines && (cp === 0x0a || cp === 0x0d)) out += ch;
    else if (cp < 0x20) out += String.fromCodePoint(0x2400 + cp);
    else if (cp === 0x7f) out += '\u2421';
    else if (cp >= 0x80 && cp <= 0x9f) out += '\ufffd';
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\ufffd';
    else if (INVISIBLE.has(cp)) out += '\ufffd';
    else out += ch;
  }
  return out;
}

/** The string with every unpaired surrogate replaced by U+FFFD (what String.prototype.toWellFormed does). */
function wellFormed(value: string | undefined): string | undefined {
  // Most values hold no surrogate at all: only those are walked code point by code point.
  if (value === undefined || !SURROGATE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp >= 0xd800 && cp <= 0xdfff ? '\ufffd' : ch;
  }
  return out;
}
const SURROGATE = /[\ud800-\udfff]/;

// Plain assertions: vitest's expect() costs more than the encoders themselves at 10,000 runs.
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`property violated: ${what}`);
}

function same(actual: unknown, expected: unknown, where: string): void {
  check(
    Object.is(actual, expected),
    `${where}: expected ${JSON.stringify(expected)?.slice(0, 200)}, got ${JSON.stringify(actual)?.slice(0, 200)}`,
  );
}

/** `original` is the value before encoding; only its first limit + 2 code units can matter for a field of `limit`. */
function expectWithin(
  actual: string | undefined,
  original: string,
  limit: number,
  where: string,
  form: (s: string) => string,
): void {
  const full = form(original.length > limit + 2 ? original.slice(0, limit + 2) : original);
  if (full.length <= limit) {
    same(actual, full, where);
    return;
  }
  const cut = actual ?? '';
  check(cut.length <= limit && cut.length >= limit - 1, `${where}: length ${cut.length} for limit ${limit}`);
  check(cut.endsWith(MARKER), `${where}: no truncation marker`);
  check(
    full.startsWith(cut.slice(0, -MARKER.length)),
    `${where}: truncated value is not a prefix of the original`,
  );
}

const CEF_TEXT = (s: string): string => pictured(s, true);
const CEF_HEADER = (s: string): string => pictured(s, false);
const LEEF_TEXT = (s: string): string => pictured(s, false).replaceAll('^', '\u02c6');
const SAFE_ID = /^[A-Za-z0-9._:@/+-]+$/;
const RAW_BREAKS = /[\r\n\u0000]/;
const RAW_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/;
const RAW_IN_JSON = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff]/;

// The numeric fields a record may name in dropped_fields (mapping §4).
const DROPPABLE = new Set([
  'cvss_score',
  'priority_score',
  'open_critical',
  'open_high',
  'open_medium',
  'open_low',
]);

/** Every number in a parsed JSON document is finite, and an integer is a safe integer (|n| <= 2^53-1). */
function checkNumbers(format: string, value: unknown, path = ''): void {
  if (typeof value === 'number') {
    check(Number.isFinite(value), `${format} ${path} is ${value}`);
    check(
      !Number.isInteger(value) || Number.isSafeInteger(value),
      `${format} ${path}=${value} is not a safe integer`,
    );
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkNumbers(format, v, `${path}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) checkNumbers(format, v, path === '' ? k : `${path}.${k}`);
  }
}

/** The record's numbers are within their ranges; any dropped one is named, and absent from the flat JSON. */
function checkRanges(record: NormalizedRecord, json: Record<string, unknown>): void {
  const dropped = (json['dropped_fields'] ?? []) as string[];
  for (const name of dropped) {
    check(DROPPABLE.has(name), `unknown dropped field ${name}`);
    if (!name.startsWith('open_')) check(!(name in json), `${name} is dropped and still written`);
  }
  if (record.kind === 'finding') {
    const { cvssScore, priorityScore } = record.issue;
    check(cvssScore === undefined || (cvssScore >= 0 && cvssScore <= 10), `cvssScore ${cvssScore}`);
    check(
      priorityScore === undefined || (priorityScore >= 0 && priorityScore <= 1000),
      `priorityScore ${priorityScore}`,
    );
  } else if (record.kind === 'summary') {
    for (const n of Object.values(record.openCounts)) check(Number.isSafeInteger(n) && n >= 0, `count ${n}`);
  }
}

/** Every line splitter finds exactly one piece: no reader can take part of a value for a record of its own. */
function checkOneLine(format: string, line: string): void {
  const cut = splittersThatCut(line);
  check(cut.length === 0, `${format} record is cut in two by ${cut.join(', ')}`);
}

function checkCef(record: NormalizedRecord, line: string): void {
  check(!RAW_CONTROLS.test(line), 'CEF line holds a raw control character');
  const parsed = parseCef(line);
  same(parsed.version, '0', 'CEF version');
  same(parsed.deviceVendor, 'Snyk', 'CEF vendor');
  check(SAFE_ID.test(parsed.deviceEventClassId), `CEF class id ${parsed.deviceEventClassId}`);
  check(['1', '3', '5', '8', '10'].includes(parsed.severity), `CEF severity ${parsed.severity}`);
  const ext = parsed.extension;
  for (const [key, value] of ext) {
    // cnN (ArcSight Number, a Java long), rt and deviceCustomDateN (epoch ms): safe integers in decimal.
    if (/^(cn\d|rt|deviceCustomDate\d)$/.test(key))
      check(/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)), `CEF ${key}=${value}`);
    if (/^cfp\d$/.test(key)) check(Number.isFinite(Number(value)), `CEF ${key}=${value}`);
  }
  same(ext.get('externalId'), record.recordId, 'externalId');
  same(ext.get('act'), record.action, 'act');
  if (record.org?.name !== undefined) expectWithin(ext.get('cs5'), record.org.name, 4000, 'cs5', CEF_TEXT);
  if (record.project?.name !== undefined)
    expectWithin(ext.get('cs4'), record.project.name, 4000, 'cs4', CEF_TEXT);
  if (record.project?.id !== undefined)
    expectWithin(ext.get('snykProjectId'), record.project.id, 1023, 'snykProjectId', CEF_TEXT);
  if (record.kind !== 'finding') return;
  const issue = record.issue;
  expectWithin(parsed.name, issue.title, 512, 'name', CEF_HEADER);
  if (issue.description !== undefined) expectWithin(ext.get('msg'), issue.description, 1023, 'msg', CEF_TEXT);
  if (issue.url !== undefined) expectWithin(ext.get('request'), issue.url, 1023, 'request', CEF_TEXT);
  if (issue.cves.length > 0) expectWithin(ext.get('cs1'), issue.cves.join(', '), 4000, 'cs1', CEF_TEXT);
  if (issue.cwes.length > 0) expectWithin(ext.get('cs2'), issue.cwes.join(', '), 4000, 'cs2', CEF_TEXT);
  expectWithin(ext.get('cat'), issue.type, 1023, 'cat', CEF_TEXT);
}

function checkLeef(record: NormalizedRecord, line: string): void {
  check(!RAW_CONTROLS.test(line), 'LEEF line holds a raw control character');
  const parsed = parseLeef(line);
  same(parsed.delimiter, '^', 'LEEF delimiter');
  check(SAFE_ID.test(parsed.eventId), `LEEF event id ${parsed.eventId}`);
  const attributes = parsed.attributes;
  same(attributes.get('recordId'), record.recordId, 'recordId');
  same(attributes.get('cat'), record.action, 'cat');
  if (record.project?.name !== undefined)
    expectWithin(attributes.get('projectName'), record.project.name, 4000, 'projectName', LEEF_TEXT);
  if (record.org?.name !== undefined)
    expectWithin(attributes.get('orgName'), record.org.name, 4000, 'orgName', LEEF_TEXT);
  if (record.kind === 'finding') {
    expectWithin(attributes.get('issueTitle'), record.issue.title, 4000, 'issueTitle', LEEF_TEXT);
    expectWithin(attributes.get('issueId'), record.issue.id, 4000, 'issueId', LEEF_TEXT);
    if (record.issue.packageName !== undefined)
      expectWithin(attributes.get('packageName'), record.issue.packageName, 4000, 'packageName', LEEF_TEXT);
  }
}

function checkJson(record: NormalizedRecord, finding: Finding | undefined, line: string): void {
  check(!RAW_IN_JSON.test(line), 'JSON line holds a raw control or line separator');
  const parsed = JSON.parse(line) as Record<string, unknown>;
  checkNumbers('json', parsed);
  checkRanges(record, parsed);
  same(parsed['record_id'], record.recordId, 'record_id');
  same(parsed['project_name'], wellFormed(record.project?.name), 'project_name');
  same(parsed['org_name'], wellFormed(record.org?.name), 'org_name');
  if (finding !== undefined) {
    same(parsed['issue_title'], wellFormed(finding.issue.title), 'issue_title');
    same(parsed['description'], wellFormed(finding.issue.description), 'description');
    same(JSON.stringify(parsed['cves']), JSON.stringify(finding.issue.cves.map(wellFormed)), 'cves');
    same(
      JSON.stringify(parsed['package_versions']),
      JSON.stringify(finding.issue.packageVersions.map(wellFormed)),
      'package_versions',
    );
  }
}

function checkEcs(record: NormalizedRecord, finding: Finding | undefined, line: string): void {
  check(!RAW_IN_JSON.test(line), 'ECS line holds a raw control or line separator');
  const doc = JSON.parse(line) as Record<string, unknown>;
  checkNumbers('ecs', doc);
  const problems = ecsProblems(doc);
  check(problems.length === 0, `ECS problems: ${problems.join('; ')}`);
  same((doc['event'] as Record<string, unknown>)['id'], record.recordId, 'event.id');
  same(doc['@timestamp'], record.time, '@timestamp');
  if (finding !== undefined) {
    const vulnerability = doc['vulnerability'] as Record<string, unknown>;
    same(vulnerability['description'], wellFormed(finding.issue.description), 'vulnerability.description');
    same((vulnerability['id'] as string[])[0], wellFormed(finding.issue.id), 'vulnerability.id');
  }
}

describe('hostile payloads (fast-check)', () => {
  it('encode to records in every format that parse back to the original values', () => {
    let records = 0;
    fc.assert(
      fc.property(hostilePayload, hostileContext, (body, delivery) => {
        let out: NormalizedRecord[];
        try {
          out = normalize(body, delivery);
        } catch (error) {
          // A hostile but well-formed snapshot is never rejected.
          expect(error).not.toBeInstanceOf(PayloadError);
          throw error;
        }
        for (const record of out) {
          records += 1;
          const finding = record.kind === 'finding' ? record : undefined;
          const lines = {
            cef: encode(record, 'cef'),
            leef: encode(record, 'leef'),
            ecs: encode(record, 'ecs'),
            json: encode(record, 'json'),
          };
          for (const [format, line] of Object.entries(lines)) {
            check(!RAW_BREAKS.test(line), `${format} record holds a raw CR, LF or NUL`);
            checkOneLine(format, line);
          }
          checkCef(record, lines.cef);
          checkLeef(record, lines.leef);
          checkJson(record, finding, lines.json);
          checkEcs(record, finding, lines.ecs);
        }
      }),
      { numRuns: 10_000, seed: 20261126 },
    );
    expect(records).toBeGreaterThan(10_000);
    // 20-60 s on a 2-core machine shared with other test runs: the limit only stops a run that hangs.
  }, 300_000);

  it('turn any JSON body of an unknown event into exactly one generic record that parses back', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        hostileContext,
        fc.constantFrom('project_created/v0', 'x|y=z\n'),
        (body, delivery, event) => {
          const out = normalize(body, { ...delivery, event });
          check(out.length === 1 && out[0]?.kind === 'generic', 'one generic record');
          const [record] = out;
          if (record === undefined) return;
          const lines = {
            cef: encode(record, 'cef'),
            leef: encode(record, 'leef'),
            ecs: encode(record, 'ecs'),
            json: encode(record, 'json'),
          };
          for (const [format, line] of Object.entries(lines)) {
            check(!RAW_BREAKS.test(line), 'raw CR, LF or NUL');
            checkOneLine(format, line);
          }
          checkCef(record, lines.cef);
          checkLeef(record, lines.leef);
          checkJson(record, undefined, lines.json);
          checkEcs(record, undefined, lines.ecs);
        },
      ),
      { numRuns: 2_000, seed: 20261127 },
    );
  });

  it('reject any malformed project_snapshot body with a PayloadError and nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), hostileContext, (body, delivery) => {
        try {
          normalize(body, delivery);
        } catch (error) {
          check(error instanceof PayloadError, `unexpected ${String(error)}`);
          check((error as Error).message.startsWith('Invalid Snyk payload at '), 'message names the path');
        }
      }),
      { numRuns: 2_000, seed: 20261128 },
    );
  });
});
