// REDIS_URL: validate and start read it with one parser, so every URL the configuration accepts can be connected to.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { checkRedisUrl, parseRedisUrl } from '../../src/redis/connection.js';

function problemsFor(url: string): readonly string[] {
  try {
    loadConfig({ env: { REDIS_URL: url }, cwd: '/' });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('redis.url', () => {
  for (const [url, why] of [
    ['redis://host:99999', /port/],
    ['redis://host:0', /port/],
    ['redis://host/abc', /database/],
    ['redis://host/1/2', /database/],
    ['redis://[::1', /not a valid URL/],
    ['redis://:%E0%A4%A@host', /percent/],
    ['http://host:6379', /must start with redis:\/\/ or rediss:\/\//],
  ] as const) {
    it(`refuses ${url}, saying what is wrong`, () => {
      const problems = problemsFor(url);
      expect(problems).toEqual([expect.stringMatching(/^redis\.url: /)]);
      expect(problems[0]).toMatch(why);
      expect(() => parseRedisUrl(url)).toThrow(why);
    });
  }

  it('never echoes the password of a refused URL', () => {
    const problems = problemsFor('redis://:hunter2-secret@host:99999');
    expect(problems.join()).not.toContain('hunter2');
  });

  for (const [url, expected] of [
    ['redis://:pa:ss@host', { host: 'host', port: 6379, password: 'pa:ss' }],
    [
      'redis://user:p%40ss@127.0.0.5:6380/3',
      { host: '127.0.0.5', port: 6380, username: 'user', password: 'p@ss', db: 3 },
    ],
    ['redis://[::1]:6390/0', { host: '::1', port: 6390, db: 0 }],
    ['rediss://localhost', { host: 'localhost', port: 6379 }],
    ['redis://', { host: '127.0.0.1', port: 6379 }],
  ] as const) {
    it(`accepts ${url}, and start reads the same values from it`, () => {
      expect(problemsFor(url)).toEqual([]);
      expect(checkRedisUrl(url)).toBeUndefined();
      expect(parseRedisUrl(url)).toMatchObject(expected);
    });
  }

  it('accepts every URL that parseRedisUrl can use, and nothing that it cannot', () => {
    const urls = [
      'redis://h',
      'redis://h:1',
      'redis://h:65535',
      'redis://h:65536',
      'redis://h/15',
      'redis://h/-1',
      'redis://h/1.5',
      'redis://h/ 1',
      'redis://a@h',
      'redis://[fe80::1]:7000',
      'redis://h:port',
      'rediss://h:6379/2',
    ];
    for (const url of urls) {
      let parsed = true;
      try {
        parseRedisUrl(url);
      } catch {
        parsed = false;
      }
      expect({ url, accepted: problemsFor(url).length === 0 }).toEqual({ url, accepted: parsed });
    }
  });
});
