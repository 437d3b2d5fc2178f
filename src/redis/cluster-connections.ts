// Redis Cluster clients: their ioredis options, and BullMQ's factory that builds them from plain worker options.
import { createIORedisClient, RedisConnection } from 'bullmq';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { HostPort } from './endpoint.js';

/** The option that marks BullMQ connection options as a Cluster's: its seed nodes. */
export const CLUSTER_NODES = 'snykSiemClusterNodes';

/**
 * ioredis Cluster options from the options of one connection: the offline queue and the retry strategy belong to the
 * Cluster, the rest to each node (`redisOptions`). `scaleReads` stays "master" (replicas answer READONLY to BullMQ's
 * writing scripts). With TLS, `dnsLookup` keeps each node's host name, so that its certificate is checked against the
 * name rather than an address (ioredis README, "Special note: AWS ElastiCache Clusters with TLS"). Failover: a
 * command that waits for Redis (`maxRetriesPerRequest: null`, the workers') waits `retryDelayOnFailover` before each of
 * `maxRedirections` tries, 16 s in all, longer than the default cluster-node-timeout of 15 s; a client that fails fast
 * keeps ioredis's 100 ms, and its command timeout answers for it.
 */
export function clusterOptions(options: RedisOptions): ClusterOptions {
  const {
    enableOfflineQueue,
    retryStrategy,
    lazyConnect,
    host: _host,
    port: _port,
    ...redisOptions
  } = options;
  const cluster: ClusterOptions = {
    scaleReads: 'master',
    retryDelayOnFailover: options.maxRetriesPerRequest === null ? 1000 : 100,
    maxRedirections: 16,
    redisOptions,
  };
  if (enableOfflineQueue !== undefined) cluster.enableOfflineQueue = enableOfflineQueue;
  if (lazyConnect !== undefined) cluster.lazyConnect = lazyConnect;
  if (retryStrategy !== undefined) cluster.clusterRetryStrategy = retryStrategy;
  if (redisOptions.tls !== undefined) cluster.dnsLookup = (address, callback) => callback(null, address);
  return cluster;
}

let installed = false;

/**
 * Installs BullMQ's client factory (RedisConnection.clientFactory, bullmq `redis-connection.d.ts`): options that carry
 * CLUSTER_NODES become an ioredis Cluster; all others an ioredis Redis, as BullMQ itself builds them. BullMQ cannot
 * build a Cluster from options, and a Cluster instance cannot cross into a worker thread, so every thread that opens
 * queues on worker options calls this once (the fan-out threads and the main thread).
 */
export function useClusterConnections(): void {
  if (installed) return;
  installed = true;
  RedisConnection.clientFactory = (options: RedisOptions) => {
    const {
      [CLUSTER_NODES]: nodes,
      url,
      ...rest
    } = options as RedisOptions & {
      [CLUSTER_NODES]?: HostPort[];
      url?: string;
    };
    if (nodes !== undefined) return createIORedisClient(new Cluster(nodes, clusterOptions(rest)));
    return createIORedisClient(url !== undefined ? new Redis(url, rest) : new Redis(rest));
  };
}
