// LEEF 2.0: header, caret delimiter, and values that can never contain the delimiter or a raw control character.
/* eslint-disable no-control-regex -- these tests look for control characters. */
import { describe, expect, it } from 'vitest';
import { encode } from '../../normalizers/index.js';
import { postmanFindingWith as findingWith } from './helpers.js';
import { parseLeef } from './parsers/leef-parse.js';

describe('LEEF encoding', () => {
  it('writes a LEEF 2.0 header with the caret delimiter and QRadar keys', () => {
    const f = findingWith(() => undefined);
    const line = encode(f, 'leef');
    expect(line.startsWith('LEEF:2.0|Snyk|Snyk Open Source|0.1.0|SNYK-JS-SCSSTOKENIZER-2339884|^|')).toBe(
      true,
    );
    const parsed = parseLeef(line);
    expect(Object.fromEntries(parsed.attributes)).toMatchObject({
      devTime: '2020-09-25T15:27:53.000Z',
      devTimeFormat: "yyyy-MM-dd'T'HH:mm:ss.SSSX",
      cat: 'issue_introduced',
      sev: '8',
      url: 'https://snyk.io/vuln/SNYK-JS-SCSSTOKENIZER-2339884',
      resource: 'snyk/juice-shop:frontend/package.json',
      recordId: f.recordId,
      cves: 'CVE-2022-25758',
      packageName: 'scss-tokenizer',
      hasFix: 'false',
    });
  });

  it('replaces a caret inside a value with its look-alike, so no attribute can be injected', () => {
    const parsed = parseLeef(
      encode(
        findingWith((d) => (d['title'] = 'x^sev=10^cat=forged')),
        'leef',
      ),
    );
    expect(parsed.attributes.get('issueTitle')).toBe('x\u02c6sev=10\u02c6cat=forged');
    expect(parsed.attributes.get('sev')).toBe('8');
  });

  it('keeps | and = inside values, and never lets a title touch the header', () => {
    const parsed = parseLeef(
      encode(
        findingWith((d) => (d['title'] = 'LEEF:2.0|a|b=c')),
        'leef',
      ),
    );
    expect(parsed.eventId).toBe('SNYK-JS-SCSSTOKENIZER-2339884');
    expect(parsed.attributes.get('issueTitle')).toBe('LEEF:2.0|a|b=c');
  });

  it('shows CR, LF, tab and ESC as visible control pictures', () => {
    const line = encode(
      findingWith((d) => (d['title'] = 'a\r\nb\tc\u001bd')),
      'leef',
    );
    expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(parseLeef(line).attributes.get('issueTitle')).toBe('a\u240d\u240ab\u2409c\u241bd');
  });
});
