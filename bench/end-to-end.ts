// The forwarder end to end beside a bare durable receiver, same run: requests/s at the receiver, findings/s at the peer.
// Usage: npm run bench:e2e [-- snapshots [concurrency]]   Writes bench/results/end-to-end.{json,md}.
// BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' passes options to the forwarder's node, to profile it;
// BENCH_PEERS='file,syslog-ng over TCP' runs only those peers; BENCH_TARGET='{"concurrency":32}' adds target keys.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CLI_MAIN } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { startCollectorPeer } from '../test/helpers/peers/collector-peer.js';
import { startTestRedis, type TestRedis } from '../test/helpers/redis-server.js';
import { startSyslogNg } from '../test/helpers/syslog-ng.js';
import { makeTestPki } from '../test/helpers/test-ca.js';
import { percentile, postSnapshot } from './post-webhook.js';

const SNAPSHOTS = Number(process.argv[2] ?? 2000);
const CONCURRENCY = Number(process.argv[3] ?? 64);
const SECRET = 'bench-e2e-secret-0123456789abcdef';
/** No phase of a run may take longer than this: a stuck pipeline ends the bench with an error, not a hang. */
const PHASE_LIMIT_MS = 300_000;

const fixture = readFileSync(
  new URL(
    '../test/fixtures/snyk/project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
    import.meta.url,
  ),
  'utf8',
);
const PROJECT_ID = '08218f17-b2be-4c3e-a05c-b655e1e0eb93';
const ISSUES = (JSON.parse(fixture) as { newIssues: unknown[] }).newIssues.length;

/** A distinct snapshot per request (another project id), so that none is a duplicate of another. */
function snapshot(): Buffer {
  return Buffer.from(fixture.replaceAll(PROJECT_ID, randomUUID()));
}

interface Load {
  startedAt: number;
  seconds: number;
  accepted: number;
  refused: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Posts `count` snapshots over `concurrency` keep-alive connections; bounded in count and in time. */
async function load(url: string, count: number, concurrency: number): Promise<Load> {
  const bodies = Array.from({ length: count }, snapshot);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const startedAt = performance.now();
  const deadline = startedAt + PHASE_LIMIT_MS;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const body = bodies[next] as Buffer;
        next += 1;
        const { status, ms } = await postSnapshot(url, agent, body, SECRET);
        if (status === 202) latencies.push(ms);
        else refused += 1;
      }
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    startedAt,
    seconds: round(seconds, 2),
    accepted: latencies.length,
    refused,
    requestsPerSecond: Math.round(latencies.length / seconds),
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
  };
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, limitMs = PHASE_LIMIT_MS) {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** A fresh Redis with the forwarder's durability (AOF, appendfsync everysec, noeviction) for each run. */
async function withRedis<T>(run: (redis: TestRedis) => Promise<T>): Promise<T> {
  const redis = await startTestRedis();
  try {
    return await run(redis);
  } finally {
    await redis.cleanup();
  }
}

async function baseline(): Promise<Load> {
  return withRedis(async (redis) => {
    const port = await freePort();
    const child = fork(
      new URL('./baseline-receiver.ts', import.meta.url).pathname,
      [String(port), redis.url, SECRET],
      {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      },
    );
    try {
      await new Promise((resolve, reject) => {
        child.once('message', resolve);
        child.once('exit', (code) => reject(new Error(`baseline receiver exited with ${code}`)));
      });
      const result = await load(`http://127.0.0.1:${port}/webhooks/snyk`, SNAPSHOTS, CONCURRENCY);
      const client = new Redis(redis.url);
      const stored = await client.llen('baseline:webhooks');
      client.disconnect();
      if (stored !== result.accepted)
        throw new Error(`baseline stored ${stored} of ${result.accepted} accepted`);
      return result;
    } finally {
      await stop(child);
    }
  });
}

interface EndToEnd {
  target: string;
  receiver: Load;
  records: number;
  seconds: number;
  findingsPerSecond: number;
}

interface Peer {
  target: Record<string, unknown>;
  received(): number;
  close(): Promise<void>;
}

async function forwarder(name: string, peerFor: (dir: string) => Promise<Peer>): Promise<EndToEnd> {
  return withRedis(async (redis) => {
    const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-e2e-'));
    const peer = await peerFor(dir);
    const port = await freePort();
    const configFile = join(dir, 'forwarder.yaml');
    // JSON is YAML: the one target under test, everything else on its defaults.
    writeFileSync(
      configFile,
      JSON.stringify({
        targets: [{ name: 'bench', format: 'json', ...peer.target, ...targetOverrides }],
      }),
    );
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, CLI_MAIN, 'start', '--config', configFile], {
      env: {
        ...process.env,
        DATA_DIR: join(dir, 'data'),
        REDIS_URL: redis.url,
        HOST: '127.0.0.1',
        PORT: String(port),
        ADMIN_PORT: String(await freePort()),
        SNYK_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    try {
      await waitUntil('the forwarder to listen', async () => {
        if (child.exitCode !== null) throw new Error(`the forwarder exited with ${child.exitCode}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          () => true,
          () => false,
        );
      });
      const expected = SNAPSHOTS * (ISSUES + 1);
      const receiver = await load(`http://127.0.0.1:${port}/webhooks/snyk`, SNAPSHOTS, CONCURRENCY);
      if (receiver.accepted !== SNAPSHOTS) throw new Error(`${name}: ${receiver.refused} snapshots refused`);
      await waitUntil(`${name}: ${expected} records at the peer`, () => peer.received() >= expected);
      const seconds = (performance.now() - receiver.startedAt) / 1000;
      return {
        target: name,
        receiver,
        records: peer.received(),
        seconds: round(seconds, 2),
        findingsPerSecond: Math.round((SNAPSHOTS * ISSUES) / seconds),
      };
    } finally {
      await stop(child);
      await peer.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

function lines(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

const pki = makeTestPki();
const targetOverrides = JSON.parse(process.env.BENCH_TARGET ?? '{}') as Record<string, unknown>;
const only = process.env.BENCH_PEERS?.split(',').map((name) => name.trim());

const PEERS: Record<string, (dir: string) => Promise<Peer>> = {
  file: async (dir) => {
    const path = join(dir, 'findings.ndjson');
    return { target: { type: 'file', path }, received: () => lines(path), close: async () => undefined };
  },
  'http collector': async () => {
    const peer = await startCollectorPeer();
    return {
      target: { type: 'http', url: `${peer.url}/ingest` },
      received: () => peer.documents.length,
      close: () => peer.close(),
    };
  },
  ...Object.fromEntries(
    (['tcp', 'tls'] as const).map((protocol) => [
      `syslog-ng over ${protocol.toUpperCase()}`,
      async (): Promise<Peer> => {
        const syslog = await startSyslogNg(pki);
        return {
          target: {
            type: 'syslog',
            format: 'cef',
            host: '127.0.0.1',
            port: syslog.ports[protocol],
            protocol,
            ...(protocol === 'tls' ? { tls: { ca: pki.caFile } } : {}),
          },
          received: () => syslog.read(protocol).length,
          close: () => syslog.cleanup(),
        };
      },
    ]),
  ),
};

const base = await baseline();
console.log(
  `baseline: ${base.requestsPerSecond} requests/s (p50 ${base.p50Ms} ms, p99 ${base.p99Ms} ms), ` +
    `${base.requestsPerSecond * ISSUES} findings/s accepted`,
);
const runs: EndToEnd[] = [];
for (const [name, peerFor] of Object.entries(PEERS).filter(([name]) => only?.includes(name) ?? true)) {
  const run = await forwarder(name, peerFor);
  runs.push(run);
  console.log(
    `forwarder → ${name}: receiver ${run.receiver.requestsPerSecond} requests/s (p99 ${run.receiver.p99Ms} ms), ` +
      `end to end ${run.findingsPerSecond} findings/s (${run.records} records in ${run.seconds} s)`,
  );
}

const baselineFindings = base.requestsPerSecond * ISSUES;
const rows = [
  `| receiver, requests/s | ${base.requestsPerSecond} (p99 ${base.p99Ms} ms) | ` +
    runs
      .map((r) => `${r.receiver.requestsPerSecond} (p99 ${r.receiver.p99Ms} ms, with ${r.target})`)
      .join('; ') +
    ` | ${runs.map((r) => round(r.receiver.requestsPerSecond / base.requestsPerSecond, 2)).join('; ')} |`,
  ...runs.map(
    (r) =>
      `| end to end to the ${r.target}, findings/s | ${baselineFindings} accepted | ${r.findingsPerSecond} | ` +
      `${round(r.findingsPerSecond / baselineFindings, 2)} |`,
  ),
];
const conditions = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  loadAverage: loadavg().map((n) => round(n, 2)),
  redis: 'redis-server per run, appendonly yes, appendfsync everysec, noeviction',
  snapshots: SNAPSHOTS,
  issuesPerSnapshot: ISSUES,
  snapshotBytes: snapshot().length,
  concurrency: CONCURRENCY,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/end-to-end.json', import.meta.url),
  `${JSON.stringify({ ranAt: new Date().toISOString(), ...conditions, baseline: base, runs }, null, 2)}\n`,
);
writeFileSync(
  new URL('./results/end-to-end.md', import.meta.url),
  [
    '# End to end beside a bare durable receiver',
    '',
    `Generated by \`npm run bench:e2e\` on ${new Date().toISOString().slice(0, 10)}: ${SNAPSHOTS} signed ` +
      `${ISSUES}-issue snapshots (${conditions.snapshotBytes} bytes) over ${CONCURRENCY} connections, ` +
      `${conditions.cores} cores (${conditions.cpu}), Node ${process.version}; ${conditions.redis}. ` +
      'The baseline is bench/baseline-receiver.ts (node:http, HMAC, one LPUSH); the forwarder runs `start` on ' +
      'its defaults with one target. End to end runs from the first request to the last record at the peer.',
    '',
    '| | bare baseline | forwarder | ratio |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n'),
);
console.log('bench/results/end-to-end.{json,md} written');
