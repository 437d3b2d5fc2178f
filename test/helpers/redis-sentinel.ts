// Starts a real Redis Sentinel set on loopback free ports: a master, its replica and three sentinels (quorum 2).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { waitFor } from './forwarder.js';
import { askRedis, killNode, redisServerArgs, syncOneReplica } from './redis-node.js';

export const SENTINEL_MASTER = 'forwarder';

export interface DataNode {
  port: number;
  child: ChildProcess | undefined;
}

export interface TestSentinel {
  /** `127.0.0.1:port` of each sentinel, for redis.sentinels. */
  sentinels: string[];
  master: DataNode;
  replica: DataNode;
  /** The port of the master the sentinels name now. */
  currentMasterPort(): Promise<number>;
  /** Runs WAIT on the master so that the replica has every write it acknowledged. */
  syncReplica(): Promise<void>;
  /** SIGKILL of a data node, as a crashed host. */
  kill(node: DataNode): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * How long a master must be silent before the sentinels agree it is down: short, so that a test fails over quickly,
 * but longer than a master on a loaded 2-core machine can stall (an fsync, a starved CPU). A failover the test did not
 * ask for demotes the master, which then drops what its replica had not received yet.
 */
const DOWN_AFTER_MS = 3000;

function spawnServer(args: string[]): ChildProcess {
  return spawn('redis-server', args, { stdio: 'ignore' });
}

function dataNode(port: number, dir: string, replicaOf?: number): DataNode {
  mkdirSync(dir, { recursive: true });
  const args = redisServerArgs(port, dir);
  if (replicaOf !== undefined) args.push('--replicaof', '127.0.0.1', String(replicaOf));
  return { port, child: spawnServer(args) };
}

export async function startTestSentinel(): Promise<TestSentinel> {
  const root = mkdtempSync(join(tmpdir(), 'ssf-sentinel-'));
  const master = dataNode(await freePort(), join(root, 'master'));
  const replica = dataNode(await freePort(), join(root, 'replica'), master.port);
  const sentinelPorts = [await freePort(), await freePort(), await freePort()];
  // `redis-server --sentinel` is what Debian's redis-sentinel runs; it needs a writable config file of its own.
  const sentinels = sentinelPorts.map((port) => {
    const file = join(root, `sentinel-${port}.conf`);
    writeFileSync(
      file,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${root}`,
        `logfile ${join(root, `sentinel-${port}.log`)}`,
        `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${DOWN_AFTER_MS}`,
        `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        '',
      ].join('\n'),
    );
    return spawnServer([file, '--sentinel']);
  });
  const children = () => [master.child, replica.child, ...sentinels];
  const cleanup = async () => {
    for (const child of children()) child?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };

  const set: TestSentinel = {
    sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`),
    master,
    replica,
    async currentMasterPort() {
      const answers = await Promise.all(
        sentinelPorts.map((port) =>
          askRedis(port, (redis) => redis.call('SENTINEL', 'get-master-addr-by-name', SENTINEL_MASTER)).then(
            (answer) => Number((answer as [string, string])[1]),
            () => 0,
          ),
        ),
      );
      return answers.find((port) => port > 0) ?? 0;
    },
    syncReplica: () => syncOneReplica(master.port),
    kill: killNode,
    cleanup,
  };
  try {
    // Ready once the replica is in sync and every sentinel has found the replica and the other sentinels.
    await waitFor(
      async () => {
        const info = await askRedis(replica.port, (redis) => redis.info('replication')).catch(() => '');
        if (!/master_link_status:up/.test(info)) return false;
        const views = await Promise.all(
          sentinelPorts.map((port) =>
            askRedis(port, (redis) => redis.call('SENTINEL', 'master', SENTINEL_MASTER)).then(
              (fields) => {
                const list = fields as string[];
                const value = (name: string) => Number(list[list.indexOf(name) + 1]);
                return value('num-slaves') >= 1 && value('num-other-sentinels') >= 2;
              },
              () => false,
            ),
          ),
        );
        return views.every(Boolean);
      },
      30_000,
      'the sentinels to see the replica and each other',
    );
  } catch (error) {
    await cleanup();
    throw error;
  }
  return set;
}
