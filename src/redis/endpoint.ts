// Which Redis the forwarder talks to: one server (a URL), a Redis Cluster, or a master found through Sentinel.
import type { TlsConfig } from '../net/tls.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Credentials of the data nodes (Cluster nodes, or the master and replicas behind Sentinel). */
interface NodeAuth {
  username?: string | undefined;
  password?: string | undefined;
  /** TLS to every node (and to the sentinels); undefined: plain TCP. */
  tls?: TlsConfig | undefined;
}

export type RedisEndpoint =
  | { kind: 'single'; url: string; tls?: TlsConfig | undefined }
  | ({ kind: 'cluster'; nodes: HostPort[] } & NodeAuth)
  | ({
      kind: 'sentinel';
      sentinels: HostPort[];
      name: string;
      sentinelPassword?: string | undefined;
    } & NodeAuth);

/** The `redis` keys an endpoint is made of (config/schema.ts). */
export interface RedisEndpointConfig {
  url?: string | undefined;
  cluster?: { nodes: string[] } | undefined;
  sentinels?: string[] | undefined;
  name?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  sentinelPassword?: string | undefined;
  tls?: TlsConfig | undefined;
}

/**
 * `host:port`, `[v6]:port`; the port is required, as a Cluster or Sentinel address without one is almost always a
 * mistake (6379 and 26379 are both common). Throws an Error that says how to write it.
 */
export function parseHostPort(address: string): HostPort {
  const match = /^(?:\[([^\]]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(address.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined)
    throw new Error(`"${address}" is not host:port; write e.g. "10.0.0.5:6379" or "[::1]:6379"`);
  if (!(port >= 1 && port <= 65535)) throw new Error(`"${address}": the port must be between 1 and 65535`);
  return { host, port };
}

/** Why parseHostPort cannot use this address, or undefined when it can. */
export function checkHostPort(address: string): string | undefined {
  try {
    parseHostPort(address);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The hash tag of a key or prefix as Redis Cluster computes it: the text between the first "{" and the first "}"
 * after it, when not empty (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf('{');
  if (open < 0) return undefined;
  const close = prefix.indexOf('}', open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/** The configured endpoint; undefined when nothing is configured (the embedded redis-server). */
export function configuredEndpoint(redis: RedisEndpointConfig): RedisEndpoint | undefined {
  const auth: NodeAuth = { username: redis.username, password: redis.password, tls: redis.tls };
  if (redis.cluster) return { kind: 'cluster', nodes: redis.cluster.nodes.map(parseHostPort), ...auth };
  if (redis.sentinels)
    return {
      kind: 'sentinel',
      sentinels: redis.sentinels.map(parseHostPort),
      name: redis.name ?? '',
      sentinelPassword: redis.sentinelPassword,
      ...auth,
    };
  if (redis.url) return { kind: 'single', url: redis.url, tls: redis.tls };
  return undefined;
}

/** The endpoint as a plain URL string for a single server, which most call sites and tests still pass. */
export function asEndpoint(endpoint: RedisEndpoint | string, tls?: TlsConfig): RedisEndpoint {
  return typeof endpoint === 'string' ? { kind: 'single', url: endpoint, tls } : endpoint;
}
