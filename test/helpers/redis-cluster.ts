// Starts a real Redis Cluster on loopback free ports: 3 masters, one replica each, made by `redis-cli --cluster create`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { waitFor } from './forwarder.js';
import { askRedis, killNode, redisServerArgs, syncOneReplica } from './redis-node.js';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  /** The redis-server's process; undefined once killed. */
  child: ChildProcess | undefined;
}

export interface TestCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:port` of every node, for redis.cluster.nodes. */
  addresses: string[];
  /** The node that serves `key`'s slot now (CLUSTER KEYSLOT, CLUSTER SHARDS as seen by a live node). */
  masterOf(key: string): Promise<ClusterNode>;
  /** How many keys matching `pattern` the node itself holds (SCAN on that node alone). */
  countKeys(node: ClusterNode, pattern: string): Promise<number>;
  /** Waits until every live node reports cluster_state:ok. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Runs WAIT on a master so that its replica has every write it acknowledged. */
  syncReplica(node: ClusterNode): Promise<void>;
  /** SIGKILL, as a crashed host: no shutdown, no last write. */
  kill(node: ClusterNode): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * How long a node must be unreachable before its replica takes over: short, so that a test fails over quickly, but
 * longer than a node on a loaded 2-core machine can stall; a failover the test did not ask for loses what the
 * demoted master had not replicated.
 */
const NODE_TIMEOUT_MS = 3000;

function startNode(port: number, dir: string): ClusterNode {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    'redis-server',
    [
      ...redisServerArgs(port, dir),
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(NODE_TIMEOUT_MS),
    ],
    { stdio: 'ignore' },
  );
  return { port, child };
}

export async function startTestCluster(): Promise<TestCluster> {
  const root = mkdtempSync(join(tmpdir(), 'ssf-cluster-'));
  const ports: number[] = [];
  for (let attempt = 0; ports.length < 6; attempt += 1) {
    if (attempt >= 200)
      throw new Error('no six free ports below 55000 for a cluster (its bus uses port + 10000)');
    const port = await freePort();
    // The cluster bus listens on port + 10000: both must be free and below 65536.
    if (port < 55_000 && !ports.includes(port)) ports.push(port);
  }
  const nodes = ports.map((port) => startNode(port, join(root, String(port))));
  const cleanup = async () => {
    for (const node of nodes) node.child?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const node of nodes)
      await waitFor(
        () =>
          askRedis(node.port, (redis) => redis.ping()).then(
            () => true,
            () => false,
          ),
        10_000,
        `cluster node ${node.port} to answer`,
      );
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    );
  } catch (error) {
    await cleanup();
    throw error;
  }

  const live = () => nodes.filter((node) => node.child !== undefined);
  const cluster: TestCluster = {
    nodes,
    addresses: ports.map((port) => `127.0.0.1:${port}`),
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const states = await Promise.all(
            live().map((node) =>
              askRedis(node.port, (redis) => redis.cluster('INFO')).then(
                (info) => /cluster_state:ok/.test(String(info)),
                () => false,
              ),
            ),
          );
          return states.every(Boolean);
        },
        timeoutMs,
        'every cluster node to report cluster_state:ok',
      );
    },
    async masterOf(key) {
      const [first] = live();
      if (!first) throw new Error('no cluster node is running');
      const slot = Number(await askRedis(first.port, (redis) => redis.cluster('KEYSLOT', key)));
      const ranges = (await askRedis(first.port, (redis) => redis.cluster('SLOTS'))) as unknown as Array<
        [number, number, [string, number]]
      >;
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      const node = nodes.find((candidate) => candidate.port === Number(range?.[2][1]));
      if (!node) throw new Error(`no master serves slot ${slot}`);
      return node;
    },
    countKeys: (node, pattern) =>
      askRedis(node.port, async (redis) => {
        let count = 0;
        // Bounded: a test cluster holds a few thousand keys at most.
        for await (const keys of redis.scanStream({ match: pattern, count: 1000 }))
          count += (keys as string[]).length;
        return count;
      }),
    syncReplica: (node) => syncOneReplica(node.port),
    kill: killNode,
    cleanup,
  };
  await cluster.waitHealthy().catch(async (error: unknown) => {
    await cleanup();
    throw error;
  });
  return cluster;
}
