// The redis keys of a Cluster or Sentinel: accepted from YAML and the environment, refused with the key and the fix.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { redisSchema } from '../../src/config/schema.js';
import { ConfigError } from '../../src/errors.js';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ env, cwd: '/' });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function issues(redis: Record<string, unknown>): string[] {
  const result = redisSchema.safeParse(redis);
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('redis.cluster and redis.sentinels', () => {
  it('reads a Cluster from REDIS_CLUSTER_NODES, REDIS_PASSWORD and REDIS_PREFIX', () => {
    const { config } = loadConfig({
      env: {
        REDIS_CLUSTER_NODES: '127.0.0.2:6379, 127.0.0.3:6380,[::1]:6381',
        REDIS_PASSWORD: 'cluster-password',
        REDIS_PREFIX: '{snyk-siem}',
      },
      cwd: '/',
    });
    expect(config.redis.cluster?.nodes).toEqual(['127.0.0.2:6379', '127.0.0.3:6380', '[::1]:6381']);
    expect(config.redis.password).toBe('cluster-password');
    expect(config.redis.prefix).toBe('{snyk-siem}');
  });

  it('reads Sentinel from REDIS_SENTINELS and REDIS_SENTINEL_NAME', () => {
    const { config } = loadConfig({
      env: { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'forwarder' },
      cwd: '/',
    });
    expect(config.redis).toMatchObject({ sentinels: ['s1:26379', 's2:26379'], name: 'forwarder' });
  });

  it('refuses a Cluster whose prefix has no hash tag, and says what to write', () => {
    const problems = problemsOf({ REDIS_CLUSTER_NODES: '127.0.0.2:6379' });
    expect(problems.join('\n')).toMatch(/redis\.prefix: Redis Cluster needs a hash tag .*"\{snyk-siem\}"/);
    // Braces that enclose nothing are no hash tag either (Redis hashes the whole key then).
    expect(issues({ cluster: { nodes: ['a:1'] }, prefix: '{}x' })).toEqual([
      expect.stringMatching(/^prefix: Redis Cluster needs a hash tag/),
    ]);
    expect(issues({ cluster: { nodes: ['a:1'] }, prefix: 'x{tag}' })).toEqual([]);
  });

  it('names the key of each mistake', () => {
    expect(issues({ url: 'redis://a:6379', cluster: { nodes: ['a:6379'] }, prefix: '{p}' })).toEqual([
      expect.stringMatching(/^cluster: redis\.url, redis\.cluster each name a whole Redis; set only one/),
    ]);
    expect(issues({ sentinels: ['s:26379'] })).toEqual([
      expect.stringMatching(/^name: Sentinel needs the master group name/),
    ]);
    expect(issues({ name: 'forwarder' })).toEqual([
      expect.stringMatching(/^name: is the Sentinel master group name/),
    ]);
    expect(issues({ url: 'redis://a:6379', password: 'x' })).toEqual([
      expect.stringMatching(/^password: with redis\.url, write the password in the URL/),
    ]);
    expect(issues({ cluster: { nodes: ['a'] }, prefix: '{p}' })).toEqual([
      expect.stringMatching(/^cluster\.nodes\.0: "a" is not host:port/),
    ]);
    expect(issues({ sentinels: ['s:70000'], name: 'n' })).toEqual([
      expect.stringMatching(/^sentinels\.0: "s:70000": the port must be between 1 and 65535/),
    ]);
    expect(issues({ tls: {} })).toEqual([expect.stringMatching(/^tls: redis\.tls needs a rediss:\/\/ URL/)]);
    expect(issues({ sentinels: ['s:26379'], name: 'n', tls: {} })).toEqual([]);
  });
});
