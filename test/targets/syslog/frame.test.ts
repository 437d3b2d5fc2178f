// Unit and property tests of the pure syslog encoders: PRI, headers, SD escaping, truncation and octet-counting frames.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  escapeSdParamValue,
  formatRfc3164,
  formatRfc5424,
  frameLf,
  frameOctetCounted,
  isSdName,
  priValue,
  printUsAscii,
  sanitizeHostname3164,
  sanitizeHostname5424,
  sanitizeTag3164,
  timestamp3164,
  timestamp5424,
  truncateUtf8,
  type HeaderFields,
} from '../../../src/targets/syslog/frame.js';
import { singleLine } from '../../../src/targets/shared/single-line.js';
import { makeRecord, parseOctetCounted } from './fixtures.js';

const fields: HeaderFields = {
  facility: 16,
  hostname: 'host1',
  appName: 'ssf',
  procId: '42',
  sdId: 'forwarder@32473',
};

describe('PRI', () => {
  it('maps record severity to syslog severity (critical→2 … none→6)', () => {
    expect(priValue(16, 'critical')).toBe(130);
    expect(priValue(16, 'high')).toBe(131);
    expect(priValue(16, 'medium')).toBe(132);
    expect(priValue(16, 'low')).toBe(133);
    expect(priValue(16, undefined)).toBe(134);
    expect(priValue(0, 'critical')).toBe(2);
    expect(priValue(23, undefined)).toBe(190);
  });
});

describe('RFC 5424 message', () => {
  it('has the header, one SD element with the record id, and MSG without a BOM', () => {
    const record = makeRecord({ id: 'r-1', kind: 'summary', severity: 'critical', body: 'CEF:0|Snyk|x' });
    expect(formatRfc5424(record, fields)).toBe(
      '<130>1 2026-11-26T21:04:05.123Z host1 ssf 42 summary [forwarder@32473 id="r-1"] CEF:0|Snyk|x',
    );
    expect(Buffer.from(formatRfc5424(record, fields)).includes(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
  });

  it('writes STRUCTURED-DATA "-" when no SD-ID is configured', () => {
    const record = makeRecord({ id: 'r-2', severity: undefined, body: '{"a":1}' });
    expect(formatRfc5424(record, { ...fields, sdId: undefined })).toBe(
      '<134>1 2026-11-26T21:04:05.123Z host1 ssf 42 finding - {"a":1}',
    );
  });

  it('escapes ", \\ and ] in SD param values (§6.3.3)', () => {
    expect(escapeSdParamValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
    const record = makeRecord({ id: 'x"]\\' });
    expect(formatRfc5424(record, fields)).toContain('[forwarder@32473 id="x\\"\\]\\\\"]');
  });

  it('replaces CR, LF and NUL in MSG so one record is always one line', () => {
    const record = makeRecord({ body: 'a\nb\r\nc\0d' });
    const message = formatRfc5424(record, fields);
    expect(message).not.toMatch(/[\r\n\0]/);
    expect(message.endsWith('a b  c d')).toBe(true);
  });

  it('TIMESTAMP is UTC with upper-case T and Z, or "-" when the time is unusable', () => {
    expect(timestamp5424('2026-01-02T03:04:05+02:00')).toBe('2026-01-02T01:04:05.000Z');
    expect(timestamp5424('not a date')).toBe('-');
    expect(timestamp5424('+012345-01-01T00:00:00Z')).toBe('-');
  });

  it('sanitises HOSTNAME, APP-NAME and SD-NAME to PRINTUSASCII', () => {
    expect(sanitizeHostname5424('my host.example')).toBe('myhost.example');
    expect(sanitizeHostname5424('')).toBe('-');
    expect(printUsAscii('é'.repeat(3), 48)).toBe('-');
    expect(printUsAscii('x'.repeat(60), 48)).toHaveLength(48);
    expect(isSdName('forwarder@32473')).toBe(true);
    expect(isSdName('a b')).toBe(false);
    expect(isSdName('a=b')).toBe(false);
    expect(isSdName('x'.repeat(33))).toBe(false);
  });
});

describe('RFC 3164 message', () => {
  it('is <PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: CONTENT with a space-padded day', () => {
    const record = makeRecord({ time: '2026-02-05T07:08:09Z', severity: 'low', body: 'CEF:0|x' });
    expect(formatRfc3164(record, { ...fields, hostname: 'host1' }, 0)).toBe(
      '<133>Feb  5 07:08:09 host1 ssf[42]: CEF:0|x',
    );
  });

  it('falls back to the clock for an unusable time and strips the domain from HOSTNAME', () => {
    expect(timestamp3164('garbage', Date.UTC(2026, 11, 24, 23, 59, 1))).toBe('Dec 24 23:59:01');
    expect(sanitizeHostname3164('web-1.prod.example.com')).toBe('web-1');
    expect(sanitizeHostname3164('10.0.0.5')).toBe('10.0.0.5');
    expect(sanitizeTag3164('snyk siem[forwarder]:x')).toBe('snyksiemforwarderx');
    expect(sanitizeTag3164('x'.repeat(40))).toHaveLength(32);
  });
});

describe('framing', () => {
  it('octet counting is MSG-LEN SP MSG with the length in octets (RFC 6587 §3.4.1)', () => {
    expect(frameOctetCounted('héllo').toString('utf8')).toBe('6 héllo');
  });

  it('LF framing ends each message with one LF and cannot carry an embedded LF', () => {
    expect(frameLf('<134>1 - - - - - - a\nb').toString('utf8')).toBe('<134>1 - - - - - - a b\n');
  });

  it('property: any sequence of messages framed and concatenated parses back to the same messages', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 300 }), { maxLength: 40 }),
        (messages) => {
          const stream = Buffer.concat(messages.map((m) => frameOctetCounted(m)));
          const parsed = parseOctetCounted(stream).map((b) => b.toString('utf8'));
          expect(parsed).toEqual(messages.map((m) => Buffer.from(m, 'utf8').toString('utf8')));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary bytes (LF, digits, spaces) inside a frame never shift the next frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { maxLength: 30 }), (chunks) => {
        const messages = chunks.map((c) => Buffer.from(c));
        const parsed = parseOctetCounted(Buffer.concat(messages.map((m) => frameOctetCounted(m))));
        expect(parsed.map((b) => b.toString('hex'))).toEqual(messages.map((m) => m.toString('hex')));
      }),
      { numRuns: 300 },
    );
  });

  it('property: LF-framed records always split back into exactly one line each', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { minLength: 1, maxLength: 30 }),
        (bodies) => {
          const stream = Buffer.concat(bodies.map((b) => frameLf(b))).toString('utf8');
          expect(stream.split('\n').slice(0, -1)).toHaveLength(bodies.length);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('truncateUtf8', () => {
  it('property: result fits, is a prefix of the input and is valid UTF-8', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.integer({ min: 0, max: 500 }),
        (text, max) => {
          const cut = truncateUtf8(text, max);
          const full = Buffer.from(text, 'utf8');
          expect(cut.length).toBeLessThanOrEqual(max);
          expect(full.subarray(0, cut.length).equals(cut)).toBe(true);
          expect(Buffer.from(cut.toString('utf8'), 'utf8').equals(cut)).toBe(true);
          if (full.length <= max) expect(cut.length).toBe(full.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('singleLine', () => {
  it('leaves other control characters and non-ASCII text alone', () => {
    expect(singleLine('a\tb é')).toBe('a\tb é');
  });
});
