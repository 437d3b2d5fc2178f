// Line separators and invisible characters: no reader splits a record in two, and no text can hide or reorder itself.
import { describe, expect, it } from 'vitest';
import { encode } from '../../normalizers/index.js';
import type { OutputFormat } from '../../normalizers/index.js';
import { postmanFindingWith as findingWith } from './helpers.js';
import { INVISIBLE_CHARACTERS as INVISIBLE } from './hostile-arbitraries.js';
import { splittersThatCut } from './line-splitters.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

const FORMATS: readonly OutputFormat[] = ['cef', 'leef', 'json', 'ecs'];

// Every character a common reader treats as a line break (line-splitters.ts), besides CR, LF and NUL.
const BREAKS = ['\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u0085', '\u2028', '\u2029'];
const FORGED = 'x\u2028LEEF:2.0|Evil|Forged|1|FORGED|^|sev=10^cat=forged';

function hex(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

describe('line separators', () => {
  it('a title that forges a LEEF record after U+2028 stays one record in every format and for every reader', () => {
    const f = findingWith((d) => {
      d['title'] = FORGED;
      d['description'] = FORGED;
    });
    for (const format of FORMATS) {
      const line = encode(f, format);
      expect({ format, cut: splittersThatCut(line) }).toEqual({ format, cut: [] });
    }
    expect(parseLeef(encode(f, 'leef')).attributes.get('issueTitle')).toBe(
      'x\ufffdLEEF:2.0|Evil|Forged|1|FORGED|\u02c6|sev=10\u02c6cat=forged',
    );
    expect(parseCef(encode(f, 'cef')).name).toBe('x\ufffdLEEF:2.0|Evil|Forged|1|FORGED|^|sev=10^cat=forged');
  });

  it.each(BREAKS.map((ch) => [hex(ch), ch]))(
    '%s in every text field is never written raw: no reader cuts the record',
    (_, ch) => {
      const f = findingWith((d) => {
        d['title'] = `a${ch}b`;
        d['description'] = `c${ch}CEF:0|Evil|X|1|1|forged|10|act=x`;
        d['url'] = `https://snyk.io/${ch}`;
      });
      for (const format of FORMATS) {
        const line = encode(f, format);
        expect(line.includes(ch), `${format} holds ${hex(ch)} raw`).toBe(false);
        expect({ format, cut: splittersThatCut(line) }).toEqual({ format, cut: [] });
      }
      // JSON and ECS escape it, so the value still reads back exactly.
      expect((JSON.parse(encode(f, 'json')) as Record<string, unknown>)['issue_title']).toBe(`a${ch}b`);
    },
  );
});

describe('bidirectional controls and zero-width characters', () => {
  it.each(INVISIBLE.map((ch) => [hex(ch), ch]))(
    '%s becomes U+FFFD in CEF and LEEF, and a \\u escape in JSON and ECS',
    (_, ch) => {
      const f = findingWith((d) => {
        d['title'] = `admin${ch}txt.exe`;
        d['description'] = `d${ch}e`;
      });
      const cef = parseCef(encode(f, 'cef'));
      expect(cef.name).toBe('admin\ufffdtxt.exe');
      expect(cef.extension.get('msg')).toBe('d\ufffde');
      expect(parseLeef(encode(f, 'leef')).attributes.get('issueTitle')).toBe('admin\ufffdtxt.exe');
      for (const format of ['json', 'ecs'] as const) {
        const line = encode(f, format);
        expect(line.includes(ch), `${format} holds ${hex(ch)} raw`).toBe(false);
        expect(line).toContain(`\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
      }
      expect((JSON.parse(encode(f, 'json')) as Record<string, unknown>)['issue_title']).toBe(
        `admin${ch}txt.exe`,
      );
    },
  );
});
