// ioredis Cluster options from one connection's options: masters only, node options in redisOptions, TLS by name.
import { describe, expect, it } from 'vitest';
import { clusterOptions } from '../../src/redis/cluster-connections.js';

describe('clusterOptions', () => {
  it('reads and writes masters only, and gives each node the connection options but its own address', () => {
    const options = clusterOptions({
      host: '127.0.0.2',
      port: 6379,
      password: 'secret',
      username: 'forwarder',
      maxRetriesPerRequest: null,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    expect(options.scaleReads).toBe('master');
    expect(options.redisOptions).toEqual({
      password: 'secret',
      username: 'forwarder',
      maxRetriesPerRequest: null,
    });
    expect(options.enableOfflineQueue).toBe(false);
    expect(options.lazyConnect).toBe(true);
    expect(options.dnsLookup).toBeUndefined();
  });

  it('waits out a failover (16 tries 1 s apart) for workers, and fails fast for the receiver', () => {
    const worker = clusterOptions({ maxRetriesPerRequest: null });
    expect((worker.retryDelayOnFailover ?? 0) * (worker.maxRedirections ?? 0)).toBeGreaterThan(15_000);
    expect(clusterOptions({ maxRetriesPerRequest: 0 }).retryDelayOnFailover).toBe(100);
  });

  it('with TLS keeps each node host name, so its certificate is checked against the name (managed clusters)', async () => {
    const retryStrategy = () => 100;
    const options = clusterOptions({ tls: { servername: 'redis.localhost' }, retryStrategy });
    expect(options.redisOptions?.tls).toEqual({ servername: 'redis.localhost' });
    expect(options.clusterRetryStrategy).toBe(retryStrategy);
    const lookup = options.dnsLookup;
    expect(lookup).toBeDefined();
    const resolved = await new Promise((resolve, reject) =>
      lookup?.('clustercfg.redis.localhost', (error, address) => (error ? reject(error) : resolve(address))),
    );
    expect(resolved).toBe('clustercfg.redis.localhost');
  });
});
