// Records per second one target worker reaches per target type, through BullMQ on a real Redis, against local peers.
// Usage: npm run bench:pipeline [-- jobs [recordsPerJob]]   Writes bench/results/pipeline.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue } from 'bullmq';
import { encode, facets, normalize } from '../normalizers/index.js';
import { configSchema, type Config } from '../src/config/schema.js';
import { startDaemon } from '../src/daemon.js';
import { TARGET_JOB, type TargetJobData } from '../src/queue/jobs.js';
import { targetQueueName } from '../src/queue/names.js';
import { targetJobOptions } from '../src/queue/retry-policy.js';
import { workerConnectionOptions } from '../src/redis/connection.js';
import { encodedRecord, type OutputFormat } from '../src/record-batch.js';
import { createLogger } from '../src/telemetry/logger.js';
import { startCollectorPeer } from '../test/helpers/peers/collector-peer.js';
import { startElasticsearchPeer } from '../test/helpers/peers/elasticsearch-peer.js';
import { startHttpPeer } from '../test/helpers/peers/http-peer.js';
import { startSplunkHecPeer } from '../test/helpers/peers/splunk-hec-peer.js';
import { startTestRedis } from '../test/helpers/redis-server.js';
import { startSyslogNg } from '../test/helpers/syslog-ng.js';
import { makeTestPki } from '../test/helpers/test-ca.js';

const JOBS = Number(process.argv[2] ?? 200);
const RECORDS_PER_JOB = Number(process.argv[3] ?? 50);
const DEADLINE_MS = 120_000;

/** A synthetic snapshot of RECORDS_PER_JOB issues built from a real capture's issues. */
function sampleRecords(format: OutputFormat, jobIndex: number) {
  const snap = JSON.parse(
    readFileSync(
      new URL(
        '../test/fixtures/snyk/project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as { newIssues: Array<{ id: string; issueData: Record<string, unknown> }> } & Record<string, unknown>;
  const issues = Array.from({ length: RECORDS_PER_JOB }, (_, i) => {
    const base = snap.newIssues[i % snap.newIssues.length] as {
      id: string;
      issueData: Record<string, unknown>;
    };
    return { ...base, id: `${base.id}-${i}`, issueData: { ...base.issueData, id: `${base.id}-${i}` } };
  });
  const transportId = `bench-${jobIndex}`;
  return normalize(
    { ...snap, newIssues: issues },
    {
      event: 'project_snapshot/v0',
      transportId,
      snykTimestamp: undefined,
      receivedAt: new Date().toISOString(),
      payloadBytes: 0,
    },
  )
    .filter((record) => facets(record).kind === 'finding')
    .map((record) => encodedRecord(facets(record), format, encode(record, format)));
}

interface Case {
  name: string;
  format: OutputFormat;
  setup(): Promise<{ target: Record<string, unknown>; received(): number; stop(): Promise<void> }>;
}

const pki = makeTestPki();
const dir = mkdtempSync(join(tmpdir(), 'ssf-bench-'));

const cases: Case[] = [
  {
    name: 'file',
    format: 'json',
    async setup() {
      const path = join(dir, 'out.ndjson');
      return {
        target: { type: 'file', path },
        received: () => readFileSync(path, 'utf8').split('\n').length - 1,
        stop: async () => undefined,
      };
    },
  },
  {
    name: 'http (ndjson)',
    format: 'json',
    async setup() {
      const peer = await startCollectorPeer();
      return {
        target: { type: 'http', url: `${peer.url}/ingest` },
        received: () => peer.documents.length,
        stop: () => peer.close(),
      };
    },
  },
  {
    name: 'splunk-hec',
    format: 'json',
    async setup() {
      const peer = await startSplunkHecPeer();
      return {
        target: { type: 'splunk-hec', url: peer.url, token: '11111111-2222-3333-4444-555555555555' },
        received: () => peer.events.length,
        stop: () => peer.close(),
      };
    },
  },
  {
    name: 'elasticsearch',
    format: 'ecs',
    async setup() {
      const peer = await startElasticsearchPeer();
      return {
        target: { type: 'elasticsearch', url: peer.url, index: 'bench' },
        received: () => peer.indices.get('bench')?.size ?? 0,
        stop: () => peer.close(),
      };
    },
  },
  ...(['tcp', 'tls'] as const).map((protocol): Case => ({
    name: `syslog ${protocol} → syslog-ng`,
    format: 'cef',
    async setup() {
      const syslog = await startSyslogNg(pki);
      return {
        target: {
          type: 'syslog',
          host: '127.0.0.1',
          port: syslog.ports[protocol],
          protocol,
          ...(protocol === 'tls' ? { tls: { ca: pki.caFile } } : {}),
        },
        received: () => syslog.read(protocol).length,
        stop: () => syslog.cleanup(),
      };
    },
  })),
  {
    name: 'rapid7 (webhook)',
    format: 'json',
    async setup() {
      let count = 0;
      const peer = await startHttpPeer({
        tls: { cert: readFileSync(pki.serverCertFile, 'utf8'), key: readFileSync(pki.serverKeyFile, 'utf8') },
        handle: () => {
          count += 1;
          return { status: 204 };
        },
        failures: { transient: { status: 503 }, permanent: { status: 400 }, throttled: { status: 429 } },
      });
      return {
        target: {
          type: 'rapid7',
          token: '0b8e5c4e-7d34-4f1b-9c1e-2a7b6d3f8e91',
          endpoint: peer.url,
          tls: { ca: pki.caFile },
        },
        received: () => count,
        stop: () => peer.close(),
      };
    },
  },
];

async function main(): Promise<void> {
  const redis = await startTestRedis();
  const results: Array<Record<string, unknown>> = [];
  try {
    for (const [index, benchCase] of cases.entries()) {
      const peer = await benchCase.setup();
      const prefix = `bench${index}`;
      const config: Config = configSchema.parse({
        dataDir: dir,
        redis: { url: redis.url, prefix },
        log: { level: 'error' },
        admin: { port: 0 },
        targets: [{ name: 'bench', format: benchCase.format, ...peer.target }],
      });
      const daemon = await startDaemon({
        config,
        role: 'worker',
        logger: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }),
      });
      const queue = new Queue<TargetJobData>(targetQueueName('bench'), {
        connection: workerConnectionOptions(redis.url),
        prefix,
      });
      const jobs = Array.from({ length: JOBS }, (_, i) => ({
        name: TARGET_JOB,
        data: {
          target: 'bench',
          deliveryId: `d${i}`,
          transportId: `bench-${i}`,
          records: sampleRecords(benchCase.format, i),
          deliveredCount: 0,
        },
        opts: { ...targetJobOptions(config.retry, 100_000), jobId: `d${i}-bench` },
      }));
      const started = performance.now();
      await queue.addBulk(jobs);
      let counts = await queue.getJobCounts('completed', 'failed');
      while (
        (counts.completed ?? 0) + (counts.failed ?? 0) < JOBS &&
        performance.now() - started < DEADLINE_MS
      ) {
        await new Promise((r) => setTimeout(r, 20));
        counts = await queue.getJobCounts('completed', 'failed');
      }
      const seconds = (performance.now() - started) / 1000;
      const records = (counts.completed ?? 0) * RECORDS_PER_JOB;
      // Let the peer finish writing (syslog-ng flushes its file asynchronously), then count what it parsed.
      await new Promise((r) => setTimeout(r, 1500));
      const result = {
        target: benchCase.name,
        format: benchCase.format,
        jobs: JOBS,
        recordsPerJob: RECORDS_PER_JOB,
        completedJobs: counts.completed ?? 0,
        failedJobs: counts.failed ?? 0,
        seconds: Number(seconds.toFixed(3)),
        recordsPerSecond: Math.round(records / seconds),
        peerParsed: peer.received(),
      };
      results.push(result);
      console.log(
        `${benchCase.name.padEnd(24)} ${String(result.recordsPerSecond).padStart(7)} records/s  (${result.completedJobs} jobs × ${RECORDS_PER_JOB} in ${result.seconds} s, failed ${result.failedJobs}, peer parsed ${result.peerParsed})`,
      );
      await queue.close();
      await daemon.stop();
      await peer.stop();
    }
  } finally {
    await redis.cleanup();
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(new URL('results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('results/pipeline.json', import.meta.url),
    `${JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, loadAverage: loadavg(), concurrency: 4, results }, null, 2)}\n`,
  );
}

await main();
