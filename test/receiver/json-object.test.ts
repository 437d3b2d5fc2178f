// Which verified bodies count as a JSON object: small ones parsed in full, large ones by their outer characters.
import { describe, expect, it } from 'vitest';
import { checkJsonObject, LARGE_OBJECT, PARSE_MAX_BYTES } from '../../src/receiver/json-object.js';

/** A JSON object of about `bytes` bytes: one key holding a long string. */
const objectOf = (bytes: number, around = '') =>
  Buffer.from(`${around}{"pad":"${'x'.repeat(bytes)}"}${around}`);

describe('checkJsonObject', () => {
  it('parses a small body and hands back the object', () => {
    expect(checkJsonObject(Buffer.from('{"webhookId":"1b2c"}'))).toEqual({ webhookId: '1b2c' });
  });

  it('refuses a small body that is not JSON, or JSON that is not an object', () => {
    for (const text of ['', '{', 'null', '[]', '"text"', '42', '{"a":1} x', '\ufeff{}'])
      expect(checkJsonObject(Buffer.from(text)), JSON.stringify(text)).toBeUndefined();
  });

  it('takes a large body delimited as an object, whitespace around it included, without parsing it', () => {
    expect(checkJsonObject(objectOf(PARSE_MAX_BYTES))).toBe(LARGE_OBJECT);
    expect(checkJsonObject(objectOf(PARSE_MAX_BYTES, ' \r\n\t'))).toBe(LARGE_OBJECT);
    // Its inside is checked where it is normalised: a signed body broken inside is dead-lettered there.
    expect(checkJsonObject(Buffer.from(`{${'x'.repeat(PARSE_MAX_BYTES)}}`))).toBe(LARGE_OBJECT);
  });

  it('refuses a large top-level array, and a large body that is not delimited as an object', () => {
    const array = Buffer.from(`[${'0,'.repeat(PARSE_MAX_BYTES)}0]`);
    expect(checkJsonObject(array)).toBeUndefined();
    expect(checkJsonObject(Buffer.from(`{"pad":"${'x'.repeat(PARSE_MAX_BYTES)}"}]`))).toBeUndefined();
    expect(checkJsonObject(Buffer.from(`\ufeff{"pad":"${'x'.repeat(PARSE_MAX_BYTES)}"}`))).toBeUndefined();
    expect(checkJsonObject(Buffer.from(' '.repeat(PARSE_MAX_BYTES + 1)))).toBeUndefined();
  });

  it('draws the line at PARSE_MAX_BYTES: one byte more and a broken body is no longer refused', () => {
    const broken = (bytes: number) => Buffer.from(`{${'x'.repeat(bytes - 2)}}`);
    expect(broken(PARSE_MAX_BYTES).length).toBe(PARSE_MAX_BYTES);
    expect(checkJsonObject(broken(PARSE_MAX_BYTES))).toBeUndefined();
    expect(checkJsonObject(broken(PARSE_MAX_BYTES + 1))).toBe(LARGE_OBJECT);
  });
});
