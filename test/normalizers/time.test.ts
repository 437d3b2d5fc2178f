// Untrusted timestamps: Snyk's seconds, ms and µs forms are read; anything that is not a real instant is refused.
import { describe, expect, it } from 'vitest';
import { canonicalTime, epochMillis } from '../../normalizers/time.js';

describe('canonicalTime', () => {
  it.each([
    ['2020-09-25T15:27:53Z', '2020-09-25T15:27:53.000Z'],
    ['2022-06-29T10:29:38.471739Z', '2022-06-29T10:29:38.471Z'],
    ['2020-01-01T00:00:00.5Z', '2020-01-01T00:00:00.500Z'],
    ['2020-09-25T17:27:53.123456+02:00', '2020-09-25T15:27:53.123Z'],
    ['2020-09-25T15:27:53-0130', '2020-09-25T16:57:53.000Z'],
    ['2020-02-29T00:00:00Z', '2020-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (text, expected) => {
    expect(canonicalTime(text)).toBe(expected);
  });

  it.each([
    '2021-02-29T00:00:00Z',
    '2020-13-01T00:00:00Z',
    '2020-01-01T24:00:00Z',
    '2020-01-01T00:00:00',
    '9999-12-31T23:59:59.999-01:00',
    '0000-01-01T00:30:00+01:00',
    'yesterday',
    '',
  ])('refuses %j', (text) => {
    expect(canonicalTime(text)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(canonicalTime(1600000000000)).toBeUndefined();
    expect(canonicalTime(null)).toBeUndefined();
  });
});

describe('epochMillis', () => {
  it('reads canonical times as the Date parser does, years 0-99 included', () => {
    for (const text of [
      '2020-09-25T15:27:53.014Z',
      '1970-01-01T00:00:00.000Z',
      '0099-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00.000Z',
      '2024-02-29T12:00:00.500Z',
      '9999-12-31T23:59:59.999Z',
    ])
      expect(epochMillis(text), text).toBe(new Date(text).getTime());
  });

  it('is NaN for text that is not a time', () => {
    expect(epochMillis('not a time')).toBeNaN();
  });
});
