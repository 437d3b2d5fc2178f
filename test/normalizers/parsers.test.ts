// The spec parsers used as oracles must themselves read the spec's own examples correctly.
import { describe, expect, it } from 'vitest';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

describe('the independent CEF parser', () => {
  it('reads the spec example with escaped header pipe and extension equals', () => {
    const parsed = parseCef(
      'CEF:0|security|threatmanager|1.0|100|detected a \\| in message|10|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1',
    );
    expect(parsed.name).toBe('detected a | in message');
    expect(Object.fromEntries(parsed.extension)).toEqual({
      src: '10.0.0.1',
      act: 'blocked a =',
      dst: '1.1.1.1',
    });
  });

  it('reads \\\\, \\n and \\r in extension values and keeps spaces inside values', () => {
    const parsed = parseCef('CEF:0|V|P|1|id|n|5|msg=line1\\nline2\\r c:\\\\dir  cs1=x');
    expect(parsed.extension.get('msg')).toBe('line1\nline2\r c:\\dir ');
    expect(parsed.extension.get('cs1')).toBe('x');
  });

  it('drops trailing spaces of the last value only', () => {
    expect(parseCef('CEF:0|V|P|1|id|n|5|a=x  b=y  ').extension).toEqual(
      new Map([
        ['a', 'x '],
        ['b', 'y'],
      ]),
    );
  });

  it('throws on raw newlines, unknown escapes and stray equals signs', () => {
    expect(() => parseCef('CEF:0|V|P|1|id|n|5|msg=a\nb')).toThrow(/raw CR or LF/);
    expect(() => parseCef('CEF:0|V|P|1|id|n|5|msg=a\\tb')).toThrow(/unknown extension escape/);
    expect(() => parseCef('CEF:0|V|P|1|id|n|5|msg=a=b')).toThrow(/invalid CEF key/);
    expect(() => parseCef('CEF:0|V|P|1|i\\d|n|5|')).toThrow(/unknown header escape/);
    expect(() => parseCef('CEF:0|V|P|1|id|n')).toThrow(/header/);
  });
});

describe('the independent LEEF parser', () => {
  it('reads the guide example with a caret delimiter', () => {
    const parsed = parseLeef(
      'LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=10.0.1.8^dst=10.0.0.5^sev=5^srcPort=81^dstPort=21',
    );
    expect(parsed).toMatchObject({
      vendor: 'Lancope',
      product: 'StealthWatch',
      eventId: '41',
      delimiter: '^',
    });
    expect(parsed.attributes.get('dstPort')).toBe('21');
  });

  it('reads a hex delimiter and keeps = and | inside values', () => {
    const parsed = parseLeef('LEEF:2.0|V|P|1|E|x5E|a=b=c|d^e=f');
    expect(Object.fromEntries(parsed.attributes)).toEqual({ a: 'b=c|d', e: 'f' });
  });

  it('throws on raw newlines, missing header fields and pairs without a key', () => {
    expect(() => parseLeef('LEEF:2.0|V|P|1|E|^|a=b\nc')).toThrow(/raw CR or LF/);
    expect(() => parseLeef('LEEF:2.0|V|P|1|E')).toThrow(/header/);
    expect(() => parseLeef('LEEF:2.0|V|P|1|E|^|a=b^novalue')).toThrow(/without key/);
  });
});
