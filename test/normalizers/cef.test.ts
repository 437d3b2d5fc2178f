// CEF: header and extension escaping, length limits, severity map and key assignment (Implementing ArcSight CEF rev 25).
/* eslint-disable no-control-regex -- these tests look for control characters. */
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { Finding } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';

const POSTMAN = 'project_snapshot-v0.snyk-docs-slack-lambda-postman';
const MARKER = '…[truncated]';

/** The Postman sample with its one issue changed by `change`. */
function findingWith(
  change: (issue: Record<string, unknown>, data: Record<string, unknown>) => void,
): Finding {
  const body = fixture(POSTMAN);
  const issue = (body['newIssues'] as Record<string, unknown>[])[0];
  if (issue === undefined) throw new Error('fixture changed');
  change(issue, issue['issueData'] as Record<string, unknown>);
  const record = normalize(body, ctx())[0];
  if (record?.kind !== 'finding') throw new Error('expected a finding');
  return record;
}

describe('CEF encoding', () => {
  it('writes the header with vendor, product by project type, version, issue id, title and severity', () => {
    const parsed = parseCef(
      encode(
        findingWith(() => undefined),
        'cef',
      ),
    );
    expect(parsed).toMatchObject({
      version: '0',
      deviceVendor: 'Snyk',
      deviceProduct: 'Snyk Open Source',
      deviceVersion: '0.1.0',
      deviceEventClassId: 'SNYK-JS-SCSSTOKENIZER-2339884',
      name: 'Regular Expression Denial of Service (ReDoS)',
      severity: '8',
    });
  });

  it('names the container product for container project types', () => {
    const body = fixture(POSTMAN);
    Object.assign(body['project'] as object, { type: 'deb' });
    const record = normalize(body, ctx())[0];
    if (record === undefined) throw new Error('no record');
    expect(parseCef(encode(record, 'cef')).deviceProduct).toBe('Snyk Container');
  });

  it('maps severities low 3, medium 5, high 8, critical 10', () => {
    const scores = ['low', 'medium', 'high', 'critical'].map(
      (severity) =>
        parseCef(
          encode(
            findingWith((_, d) => (d['severity'] = severity)),
            'cef',
          ),
        ).severity,
    );
    expect(scores).toEqual(['3', '5', '8', '10']);
  });

  it('carries rt, act, externalId, request, msg and labelled custom keys', () => {
    const f = findingWith(() => undefined);
    const ext = Object.fromEntries(parseCef(encode(f, 'cef')).extension);
    expect(ext).toMatchObject({
      rt: String(Date.parse('2020-09-25T15:27:53Z')),
      act: 'issue_introduced',
      externalId: f.recordId,
      request: 'https://snyk.io/vuln/SNYK-JS-SCSSTOKENIZER-2339884',
      msg: 'Long description',
      cs1Label: 'CVE',
      cs1: 'CVE-2022-25758',
      cs2Label: 'CWE',
      cs2: 'CWE-1333',
      cs3Label: 'Package',
      cs3: 'scss-tokenizer@0.2.3',
      cs4Label: 'Project',
      cs4: 'snyk/juice-shop:frontend/package.json',
      cs5Label: 'Organization',
      cs5: 'API',
      cn1Label: 'Priority Score',
      cn1: '336',
      cn2Label: 'Has Fix',
      cn2: '0',
      cfp1Label: 'CVSS Score',
      cfp1: '5.3',
      flexString1Label: 'CVSS Vector',
      flexString1: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L',
    });
    expect(ext).not.toHaveProperty('cs6');
  });

  it('escapes \\ and | in the header, and \\, =, CR and LF in extension values', () => {
    const f = findingWith((_, d) => {
      d['title'] = 'a|b\\c=d';
      d['description'] = 'x=1\\2|3\r\n4';
    });
    const line = encode(f, 'cef');
    expect(line).toContain('|a\\|b\\\\c=d|');
    expect(line).toContain('msg=x\\=1\\\\2|3\\r\\n4 ');
    const parsed = parseCef(line);
    expect(parsed.name).toBe('a|b\\c=d');
    expect(parsed.extension.get('msg')).toBe('x=1\\2|3\r\n4');
  });

  it('shows CR and LF in the header as visible control pictures, since the header has no newline escape', () => {
    const parsed = parseCef(
      encode(
        findingWith((_, d) => (d['title'] = 'one\r\ntwo')),
        'cef',
      ),
    );
    expect(parsed.name).toBe('one\u240d\u240atwo');
  });

  it('replaces ESC, NUL, tab and C1 controls with visible stand-ins', () => {
    const line = encode(
      findingWith((_, d) => (d['description'] = '\u001b[31mred\u0000\t\u009b')),
      'cef',
    );
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(parseCef(line).extension.get('msg')).toBe('\u241b[31mred\u2400\u2409\ufffd');
  });

  it('keeps % and # (and every character outside a safe set) out of the class id', () => {
    const parsed = parseCef(
      encode(
        findingWith((issue) => (issue['id'] = 'SNYK-JS-%41#x|y\\z')),
        'cef',
      ),
    );
    expect(parsed.deviceEventClassId).toBe('SNYK-JS-_41_x_y_z');
  });

  it('truncates the name to 512 and msg to 1023 characters with a visible marker', () => {
    const f = findingWith((_, d) => {
      d['title'] = 'T'.repeat(600);
      d['description'] = 'D'.repeat(5000);
    });
    const parsed = parseCef(encode(f, 'cef'));
    expect(parsed.name).toHaveLength(512);
    expect(parsed.name.endsWith(MARKER)).toBe(true);
    expect(parsed.extension.get('msg')).toBe('D'.repeat(1023 - MARKER.length) + MARKER);
  });

  it('never splits a surrogate pair when truncating', () => {
    const f = findingWith((_, d) => (d['title'] = '😀'.repeat(400)));
    const name = parseCef(encode(f, 'cef')).name;
    expect(name.length).toBeLessThanOrEqual(512);
    expect(name).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it('cannot be forged by a value that looks like another key or another record', () => {
    const f = findingWith(
      (_, d) => (d['description'] = 'ok act=issue_resolved\nCEF:0|Evil|X|1|1|forged|10|act=x'),
    );
    const parsed = parseCef(encode(f, 'cef'));
    expect(parsed.extension.get('act')).toBe('issue_introduced');
    expect(parsed.extension.get('msg')).toBe('ok act=issue_resolved\nCEF:0|Evil|X|1|1|forged|10|act=x');
  });

  it('starts with externalId and ends with the Has Fix number, so no trailing space of a value is lost', () => {
    const f = findingWith((_, d) => (d['description'] = 'ends with spaces   '));
    const line = encode(f, 'cef');
    expect(line).toContain(`|8|externalId=${f.recordId} rt=`);
    expect(line.endsWith('msg=ends with spaces    cn2Label=Has Fix cn2=0')).toBe(true);
    expect(parseCef(line).extension.get('msg')).toBe('ends with spaces   ');
  });

  it('encodes the summary with counts and totals', () => {
    const records = normalize(fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns'), ctx());
    const summary = records.at(-1);
    if (summary === undefined) throw new Error('no records');
    const parsed = parseCef(encode(summary, 'cef'));
    expect(parsed.deviceEventClassId).toBe('snyk-project-snapshot');
    expect(Object.fromEntries(parsed.extension)).toMatchObject({
      act: 'snapshot',
      cs1: 'critical:0 high:5 medium:5 low:0',
      cs2: 'critical:0 high:1 medium:1 low:1',
      cn1: '3',
      cn2: '0',
    });
  });
});
