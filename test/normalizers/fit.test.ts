// Fit to size: a record over a byte budget loses advisory and title text, never an id, and still parses strictly.
import { describe, expect, it } from 'vitest';
import {
  encode,
  encodeToFit,
  normalize,
  OUTPUT_FORMATS,
  type Finding,
  type OutputFormat,
} from '../../normalizers/index.js';
import { ecsProblems } from './ecs-check.js';
import { GOLDEN_CASES, readFixture } from './golden-cases.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const MARKER = '…[truncated]';
const BUDGETS = [2048, 4096, 10_000] as const;

/** The first finding of the large real fixture (three findings with 4.5-5.5 KB advisories). */
function realFinding(): Finding {
  const golden = GOLDEN_CASES.find((c) => c.fixture.includes('mrzarquon'));
  if (golden === undefined) throw new Error('the mrzarquon fixture is missing from the golden cases');
  const finding = normalize(readFixture(golden.fixture).json, golden.context).find(
    (r): r is Finding => r.kind === 'finding',
  );
  if (finding === undefined) throw new Error('the mrzarquon fixture has no finding');
  return finding;
}

/** About 6 KB of Markdown full of what every format escapes or replaces: `=`, `\`, `|`, `^`, quotes, newlines. */
function advisory(bytes: number): string {
  const paragraph =
    '## Overview\n[typeorm](https://www.npmjs.com/package/typeorm) is an ORM.\n' +
    'Affected: `a=b`, `C:\\path\\to`, `x|y`, `2^10`, "quoted" and <tags>.\n\n';
  return paragraph.repeat(Math.ceil(bytes / Buffer.byteLength(paragraph))).slice(0, bytes);
}

function withText(record: Finding, text: { description?: string; title?: string }): Finding {
  return { ...record, issue: { ...record.issue, ...text } };
}

/** A parsed record split into the free text that may give way, the fit marker, and everything that must not change. */
interface Parts {
  description: string | undefined;
  title: string | undefined;
  marker: string | undefined;
  fixed: Map<string, string>;
}

function flatten(value: unknown, prefix: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value))
      flatten(inner, prefix === '' ? key : `${prefix}.${key}`, out);
  } else out.set(prefix, JSON.stringify(value));
}

function take(map: Map<string, string>, key: string): string | undefined {
  const value = map.get(key);
  map.delete(key);
  return value;
}

/** Parses a line with the strict parsers (CEF, LEEF) or JSON.parse plus the ECS field check; throws when invalid. */
function parts(format: OutputFormat, line: string): Parts {
  if (format === 'cef') {
    const parsed = parseCef(line);
    const fixed = new Map(parsed.extension);
    for (const key of [
      'version',
      'deviceVendor',
      'deviceProduct',
      'deviceVersion',
      'deviceEventClassId',
      'severity',
    ] as const)
      fixed.set(`header.${key}`, parsed[key]);
    return {
      description: take(fixed, 'msg'),
      title: parsed.name,
      marker: take(fixed, 'snykTruncated'),
      fixed,
    };
  }
  if (format === 'leef') {
    const parsed = parseLeef(line);
    const fixed = new Map(parsed.attributes);
    fixed.set('header', [parsed.vendor, parsed.product, parsed.productVersion, parsed.eventId].join('|'));
    return {
      description: undefined,
      title: take(fixed, 'issueTitle'),
      marker: take(fixed, 'truncatedFields'),
      fixed,
    };
  }
  const doc = JSON.parse(line) as Record<string, unknown>;
  const fixed = new Map<string, string>();
  flatten(doc, '', fixed);
  if (format === 'ecs') {
    expect(ecsProblems(doc)).toEqual([]);
    // `message` is a sentence around the title; the title itself is snyk.issue.title.
    fixed.delete('message');
    return {
      description: parseString(take(fixed, 'vulnerability.description')),
      title: parseString(take(fixed, 'snyk.issue.title')),
      marker: take(fixed, 'snyk.truncated_fields'),
      fixed,
    };
  }
  return {
    description: parseString(take(fixed, 'description')),
    title: parseString(take(fixed, 'issue_title')),
    marker: take(fixed, 'truncated_fields'),
    fixed,
  };
}

function parseString(json: string | undefined): string | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as string);
}

/** A cut value is a prefix of the full one followed by the marker, and never ends in half a surrogate pair. */
function expectCutOf(cut: string | undefined, full: string | undefined): void {
  if (cut === undefined || full === undefined || cut === full) return;
  expect(cut.endsWith(MARKER)).toBe(true);
  const kept = cut.slice(0, -MARKER.length);
  expect(full.startsWith(kept)).toBe(true);
  expect(wellFormed(kept)).toBe(true);
}

/** No lone surrogate: UTF-8 encoding replaces one with U+FFFD, so the round trip changes the text. */
function wellFormed(text: string): boolean {
  return Buffer.from(text, 'utf8').toString('utf8') === text;
}

function bytes(line: string): number {
  return Buffer.byteLength(line, 'utf8');
}

describe('encodeToFit', () => {
  const base = realFinding();
  const big = withText(base, { description: advisory(6 * 1024) });

  // An ECS document of this finding is about 2.3 KB without advisory and title (ECS repeats ids and names in its
  // own fields and under snyk.*), so 2048 bytes cannot hold it without dropping structured fields: refused.
  it('ecs: refuses 2048 bytes, because even the record without advisory and title is larger', () => {
    const refused = encodeToFit(big, 'ecs', 2048);
    if (!refused.tooLarge) throw new Error('ecs fitted 2048 bytes');
    expect(refused.minimalBytes).toBeGreaterThan(2048);
    expect(refused.line).toBe(encode(big, 'ecs'));
  });

  for (const format of OUTPUT_FORMATS) {
    for (const budget of BUDGETS) {
      if (format === 'ecs' && budget === 2048) continue;
      it(`${format}: a finding with a 6 KB advisory fits ${budget} bytes, ids intact, marker when cut`, () => {
        const full = encode(big, format);
        const fitted = encodeToFit(big, format, budget);
        if (fitted.tooLarge)
          throw new Error(`${format} did not fit ${budget}: minimal ${fitted.minimalBytes}`);
        expect(bytes(fitted.line)).toBeLessThanOrEqual(budget);
        expect(fitted.shrunk).toBe(bytes(full) > budget);
        if (!fitted.shrunk) {
          expect(fitted.line).toBe(full);
          return;
        }
        const before = parts(format, full);
        const after = parts(format, fitted.line);
        // Every id, severity, CVE, CWE, package, version, fix, project and org field and the record id are unchanged.
        expect(after.fixed).toEqual(before.fixed);
        expect(after.marker).toBeDefined();
        expect(after.marker).toContain('description');
        expectCutOf(after.description, before.description);
        expectCutOf(after.title, before.title);
      });
    }
  }

  it('json: the fields a SIEM searches by are the record’s own after the cut', () => {
    const fitted = encodeToFit(big, 'json', 2048);
    if (fitted.tooLarge) throw new Error('json did not fit 2048');
    const doc = JSON.parse(fitted.line) as Record<string, unknown>;
    const issue = big.issue;
    expect(doc).toMatchObject({
      record_id: big.recordId,
      issue_id: issue.id,
      severity: issue.severity,
      cves: issue.cves,
      cwes: issue.cwes,
      package_name: issue.packageName,
      package_versions: issue.packageVersions,
      fixed_in: issue.fixedIn,
      project_id: big.project?.id,
      org_id: big.org?.id,
      time: big.time,
      truncated_fields: ['description'],
    });
    expect(doc['issue_title']).toBe(issue.title);
    // The advisory keeps as much text as the budget leaves: the line is within a few bytes of it.
    expect(bytes(fitted.line)).toBeGreaterThan(2048 - 16);
  });

  it('cef: msg is cut, and the header severity, class id and externalId stay', () => {
    const fitted = encodeToFit(big, 'cef', 1600);
    if (fitted.tooLarge) throw new Error('cef did not fit 1600');
    const parsed = parseCef(fitted.line);
    expect(parsed.deviceEventClassId).toBe(big.issue.id);
    expect(parsed.severity).toBe('8');
    expect(parsed.extension.get('externalId')).toBe(big.recordId);
    expect(parsed.extension.get('cs1')).toBe(big.issue.cves.join(', '));
    expect(parsed.extension.get('snykSeverity')).toBe('high');
    expect(parsed.extension.get('snykTruncated')).toBe('description');
    expect(parsed.extension.get('msg')?.endsWith(MARKER)).toBe(true);
  });

  it('leef (which leaves the advisory out) cuts a long title instead, and says so', () => {
    const long = withText(big, { title: `Prototype Pollution ${'in a very long title '.repeat(150)}` });
    const fitted = encodeToFit(long, 'leef', 2048);
    if (fitted.tooLarge) throw new Error('leef did not fit 2048');
    const parsed = parseLeef(fitted.line);
    expect(parsed.attributes.get('truncatedFields')).toBe('issue_title');
    expectCutOf(parsed.attributes.get('issueTitle'), long.issue.title);
    expect(parsed.attributes.get('recordId')).toBe(long.recordId);
    expect(bytes(fitted.line)).toBeLessThanOrEqual(2048);
  });

  it('cuts the title after the advisory when the advisory alone is not enough', () => {
    const long = withText(big, { title: 'T'.repeat(3000) });
    const fitted = encodeToFit(long, 'json', 2048);
    if (fitted.tooLarge) throw new Error('json did not fit 2048');
    const doc = JSON.parse(fitted.line) as Record<string, unknown>;
    expect(doc['truncated_fields']).toEqual(['description', 'issue_title']);
    expect(doc['description']).toBeUndefined();
    expectCutOf(doc['issue_title'] as string, long.issue.title);
    expect(bytes(fitted.line)).toBeLessThanOrEqual(2048);
  });

  it('cuts multi-byte advisories (emoji, CJK) at a character boundary: valid UTF-8, no U+FFFD', () => {
    const text = '脆弱性の概要 🔥🛡️ 原型汚染 😀 '.repeat(400);
    const record = withText(base, { description: text, title: '原型汚染 😀 Prototype Pollution' });
    for (const format of OUTPUT_FORMATS) {
      const refused = encodeToFit(record, format, 0);
      if (!refused.tooLarge) throw new Error(`${format} claims to fit 0 bytes`);
      // Budgets a byte apart move the cut across 1-, 3- and 4-byte sequences and surrogate pairs.
      const sweep = Array.from({ length: 48 }, (_, i) => 100 + i);
      const budgets = [0, ...sweep, 2000].map((n) => refused.minimalBytes + n);
      for (const budget of budgets) {
        const fitted = encodeToFit(record, format, budget);
        if (fitted.tooLarge) throw new Error(`${format} did not fit ${budget}`);
        const line = fitted.line;
        expect(bytes(line)).toBeLessThanOrEqual(budget);
        expect(wellFormed(line)).toBe(true);
        expect(line).not.toContain('\ufffd');
        // The bytes decode back strictly (a split sequence would throw here).
        expect(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(line, 'utf8'))).toBe(line);
        const got = parts(format, line);
        expect(wellFormed(got.description ?? '')).toBe(true);
        expect(wellFormed(got.title ?? '')).toBe(true);
      }
    }
  });

  it('refuses only when the record without advisory and title is still over the budget', () => {
    for (const format of OUTPUT_FORMATS) {
      const tiny = encodeToFit(big, format, 200);
      if (!tiny.tooLarge) throw new Error(`${format} claims to fit 200 bytes`);
      expect(tiny.minimalBytes).toBeGreaterThan(200);
      // The refused line is the record in full, for the dead-letter queue.
      expect(tiny.line).toBe(encode(big, format));
      const exact = encodeToFit(big, format, tiny.minimalBytes);
      if (exact.tooLarge) throw new Error(`${format} does not fit its own minimal size ${tiny.minimalBytes}`);
      expect(bytes(exact.line)).toBeLessThanOrEqual(tiny.minimalBytes);
      expect(encodeToFit(big, format, tiny.minimalBytes - 1).tooLarge).toBe(true);
    }
  });

  it('leaves records within the budget as encode writes them', () => {
    for (const format of OUTPUT_FORMATS) {
      expect(encodeToFit(base, format, 65_536)).toEqual({ line: encode(base, format), shrunk: false });
    }
  });
});
