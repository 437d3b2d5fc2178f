// Where Redis is: host:port addresses, hash tags, the endpoint a configuration names, and how logs show it.
import { describe, expect, it } from 'vitest';
import { redisAddress, workerConnectionOptions } from '../../src/redis/connection.js';
import { CLUSTER_NODES } from '../../src/redis/cluster-connections.js';
import { configuredEndpoint, hashTagOf, parseHostPort } from '../../src/redis/endpoint.js';

describe('parseHostPort', () => {
  it('reads host:port and [v6]:port, and asks for the port', () => {
    expect(parseHostPort('redis-0.redis:6379')).toEqual({ host: 'redis-0.redis', port: 6379 });
    expect(parseHostPort(' [::1]:7000 ')).toEqual({ host: '::1', port: 7000 });
    expect(() => parseHostPort('redis-0')).toThrow(/is not host:port/);
    expect(() => parseHostPort('::1:7000')).toThrow(/is not host:port/);
    expect(() => parseHostPort('a:0')).toThrow(/between 1 and 65535/);
  });
});

describe('hashTagOf', () => {
  it('follows Redis: the first "{" and the first "}" after it, when something is between', () => {
    expect(hashTagOf('{snyk-siem}')).toBe('snyk-siem');
    expect(hashTagOf('a{b}c{d}')).toBe('b');
    expect(hashTagOf('{}{x}')).toBeUndefined();
    expect(hashTagOf('snyk-siem')).toBeUndefined();
    expect(hashTagOf('{open')).toBeUndefined();
  });
});

describe('configuredEndpoint and redisAddress', () => {
  it('names a Cluster and a Sentinel master without any password', () => {
    const cluster = configuredEndpoint({
      cluster: { nodes: ['127.0.0.2:6379', '[::1]:6380'] },
      password: 'pw',
    });
    expect(cluster).toMatchObject({ kind: 'cluster', password: 'pw' });
    expect(redisAddress(cluster as NonNullable<typeof cluster>)).toBe('cluster 127.0.0.2:6379,[::1]:6380');
    const sentinel = configuredEndpoint({
      sentinels: ['s1:26379'],
      name: 'forwarder',
      sentinelPassword: 'spw',
    });
    expect(redisAddress(sentinel as NonNullable<typeof sentinel>)).toBe('sentinel forwarder at s1:26379');
    expect(configuredEndpoint({})).toBeUndefined();
  });

  it('gives workers plain options: the sentinels for Sentinel, the marked seed nodes for a Cluster', () => {
    const sentinel = workerConnectionOptions({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'forwarder',
    });
    expect(sentinel).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'forwarder' });
    expect(sentinel.maxRetriesPerRequest).toBeNull();
    const cluster = workerConnectionOptions({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }],
      password: 'pw',
    });
    expect(cluster[CLUSTER_NODES]).toEqual([{ host: 'n1', port: 7000 }]);
    expect(cluster).toMatchObject({ password: 'pw', maxRetriesPerRequest: null });
    // Data only: they are copied into the fan-out threads.
    expect(structuredClone(cluster)).toEqual(cluster);
  });
});
