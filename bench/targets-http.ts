// Throughput of one HTTP-based target instance against emulated local peers; writes bench/results/targets-http.json.
//
// Run: npx tsx bench/targets-http.ts [secondsPerScenario [nameFilter [rounds]]]   (defaults 3 s, all, 2 rounds: ~70 s)
// Each peer runs in a child process (so its parsing does not share the target's event loop) on 127.0.0.1; the peer
// parses every request like the test peers do and counts the records. Each scenario drives one target instance
// with `concurrency` concurrent send() calls (as the target worker does), each call a job of `jobSize` records, for a
// fixed wall-clock time, then checks that the peer counted exactly the records that were acknowledged.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpTargetSchema } from '../src/targets/http/config.js';
import { buildHttpTarget } from '../src/targets/http/target.js';
import { splunkHecTargetSchema } from '../src/targets/splunk-hec/config.js';
import { buildSplunkHecTarget } from '../src/targets/splunk-hec/target.js';
import { elasticsearchTargetSchema } from '../src/targets/elasticsearch/config.js';
import { buildElasticsearchTarget } from '../src/targets/elasticsearch/target.js';
import type { EncodedRecord } from '../src/record-batch.js';
import type { Target } from '../src/targets/types.js';
import { startCollectorPeer } from '../test/helpers/peers/collector-peer.js';
import { startSplunkHecPeer } from '../test/helpers/peers/splunk-hec-peer.js';
import { startElasticsearchPeer } from '../test/helpers/peers/elasticsearch-peer.js';
import { recordingContext, silentLogger } from '../test/helpers/peers/records.js';

type PeerKind = 'collector' | 'sink' | 'splunk-hec' | 'splunk-hec-ack' | 'elasticsearch';

interface PeerMessage {
  port?: number;
  count?: number;
}

// ---------------------------------------------------------------- child: one peer, counting parsed records.
async function runPeer(kind: PeerKind): Promise<void> {
  let counted = 0;
  let drain: () => void;
  if (kind === 'sink') {
    // Counts LF-terminated records without parsing them: shows the target's own ceiling.
    let lines = 0;
    const server = createServer((req, res) => {
      req.on('data', (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      req.on('end', () => res.writeHead(200, { 'content-length': '2' }).end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    drain = () => {
      counted = lines;
    };
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  } else if (kind === 'collector') {
    const peer = await startCollectorPeer();
    drain = () => {
      counted += peer.documents.length;
      peer.documents.length = 0;
      peer.batches.length = 0;
      peer.requests.length = 0;
    };
    process.send?.({ port: peer.port });
  } else if (kind === 'elasticsearch') {
    const peer = await startElasticsearchPeer();
    drain = () => {
      for (const store of peer.indices.values()) {
        counted += store.size;
        store.clear();
      }
      peer.receivedCount.clear();
      peer.requests.length = 0;
    };
    process.send?.({ port: peer.port });
  } else {
    const peer = await startSplunkHecPeer({ token: 'bench-token', useAck: kind === 'splunk-hec-ack' });
    drain = () => {
      counted += peer.events.length;
      peer.events.length = 0;
      peer.requests.length = 0;
      peer.ackPolls.length = 0;
      peer.acked.length = 0;
    };
    process.send?.({ port: peer.port });
  }
  // Keep memory flat: count and forget parsed records every 100 ms.
  const timer = setInterval(() => drain(), 100);
  process.on('message', (message: unknown) => {
    if (message === 'count') {
      drain();
      process.send?.({ count: counted });
    } else if (message === 'exit') {
      clearInterval(timer);
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- parent: drive one target per scenario.
interface Scenario {
  name: string;
  peer: PeerKind;
  jobSize: number;
  concurrency: number;
  build(url: string): Target;
}

interface Result {
  round?: number;
  scenario: string;
  peer: PeerKind;
  jobSize: number;
  concurrency: number;
  seconds: number;
  records: number;
  recordsPerSecond: number;
  jobsPerSecond: number;
  bodyMiBPerSecond: number;
  peerCounted: number;
  failedJobs: number;
}

function makeRecords(count: number, prefix: string): EncodedRecord[] {
  const padding = 'x'.repeat(600);
  return Array.from({ length: count }, (_, i) => {
    const id = `${prefix}-${i}`;
    const doc = {
      '@timestamp': '2026-01-02T03:04:05.000Z',
      id,
      event: { kind: 'alert', category: ['vulnerability'], action: 'introduced' },
      vulnerability: {
        id: 'SNYK-JS-LODASH-567746',
        severity: 'high',
        score: { base: 7.5 },
        description: padding,
      },
      package: { name: 'lodash', version: '4.17.15' },
      snyk: { org: 'acme', project: 'web-app' },
    };
    return {
      id,
      time: doc['@timestamp'],
      kind: 'finding',
      severity: 'high',
      format: 'ecs',
      body: JSON.stringify(doc),
    };
  });
}

async function startChild(kind: PeerKind): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--peer', kind], { stdio: 'inherit' });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`peer ${kind} did not start`)), 20_000);
    child.once('message', (message: PeerMessage) => {
      clearTimeout(timer);
      if (message.port) resolve(message.port);
      else reject(new Error('no port'));
    });
  });
  return { child, port };
}

function askCount(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (message: PeerMessage) => resolve(message.count ?? -1));
    child.send('count');
  });
}

async function runScenario(scenario: Scenario, seconds: number): Promise<Result> {
  const { child, port } = await startChild(scenario.peer);
  const target = scenario.build(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + seconds * 1000;
  let records = 0;
  let jobs = 0;
  let failedJobs = 0;
  let bytes = 0;
  // Warm-up job (connection setup) not counted in time but counted by the peer.
  const warm = makeRecords(scenario.jobSize, `${scenario.name}-warm`);
  await target.send({ deliveryId: 'warm', transportId: 't', records: warm }, recordingContext().context);
  const t0 = Date.now();
  const workers = Array.from({ length: scenario.concurrency }, async (_, w) => {
    let n = 0;
    // Bounded: stops at the deadline, and at most 1e6 jobs per worker.
    while (Date.now() < deadline && n < 1_000_000) {
      const batch = makeRecords(scenario.jobSize, `${scenario.name}-${w}-${n}`);
      n += 1;
      try {
        await target.send(
          { deliveryId: `${w}-${n}`, transportId: 't', records: batch },
          recordingContext().context,
        );
        records += batch.length;
        jobs += 1;
        for (const record of batch) bytes += record.body.length;
      } catch {
        failedJobs += 1;
      }
    }
  });
  await Promise.all(workers);
  const elapsed = (Date.now() - t0) / 1000;
  await target.close();
  const peerCounted = (await askCount(child)) - warm.length;
  child.send('exit');
  return {
    scenario: scenario.name,
    peer: scenario.peer,
    jobSize: scenario.jobSize,
    concurrency: scenario.concurrency,
    seconds: Math.round(elapsed * 100) / 100,
    records,
    recordsPerSecond: Math.round(records / elapsed),
    jobsPerSecond: Math.round(jobs / elapsed),
    bodyMiBPerSecond: Math.round((bytes / elapsed / 1_048_576) * 10) / 10,
    peerCounted,
    failedJobs,
  };
}

function scenarios(): Scenario[] {
  const http = (name: string, extra: Record<string, unknown>, jobSize: number): Scenario => ({
    name,
    peer: 'collector',
    jobSize,
    concurrency: 8,
    build: (url) =>
      buildHttpTarget(
        httpTargetSchema.parse({
          name: 'bench',
          type: 'http',
          url: `${url}/ingest`,
          concurrency: 8,
          ...extra,
        }),
        {
          logger: silentLogger,
        },
      ),
  });
  const hec = (name: string, peer: PeerKind, extra: Record<string, unknown>, jobSize: number): Scenario => ({
    name,
    peer,
    jobSize,
    concurrency: 8,
    build: (url) =>
      buildSplunkHecTarget(
        splunkHecTargetSchema.parse({
          name: 'bench',
          type: 'splunk-hec',
          url,
          token: 'bench-token',
          concurrency: 8,
          ...extra,
        }),
        { logger: silentLogger },
      ),
  });
  const es = (name: string, extra: Record<string, unknown>, jobSize: number): Scenario => ({
    name,
    peer: 'elasticsearch',
    jobSize,
    concurrency: 8,
    build: (url) =>
      buildElasticsearchTarget(
        elasticsearchTargetSchema.parse({
          name: 'bench',
          type: 'elasticsearch',
          url,
          index: 'bench',
          concurrency: 8,
          ...extra,
        }),
        { logger: silentLogger },
      ),
  });
  return [
    { ...http('http-ndjson-jobs50-sink', {}, 50), peer: 'sink' },
    http('http-ndjson-jobs50', {}, 50),
    http('http-ndjson-gzip-jobs50', { gzip: true }, 50),
    http('http-json-array-jobs50', { encoding: 'json-array' }, 50),
    http('http-ndjson-jobs5', {}, 5),
    http('http-ndjson-jobs5-merge20ms', { batch: { maxWaitMs: 20 } }, 5),
    hec('splunk-hec-jobs50', 'splunk-hec', {}, 50),
    hec('splunk-hec-ack-jobs50', 'splunk-hec-ack', { ack: { enabled: true, pollIntervalMs: 10 } }, 50),
    es('elasticsearch-jobs50-nomerge', { batch: { maxWaitMs: 0 } }, 50),
    es('elasticsearch-jobs50-merge20ms', {}, 50),
    es('elasticsearch-jobs5-nomerge', { batch: { maxWaitMs: 0 } }, 5),
    es('elasticsearch-jobs5-merge20ms', {}, 5),
  ];
}

/** Per scenario: best and worst records/s over the rounds. */
function summarize(results: readonly Result[]): Record<string, { best: number; worst: number }> {
  const summary: Record<string, { best: number; worst: number }> = {};
  for (const result of results) {
    const entry = summary[result.scenario] ?? { best: 0, worst: Number.POSITIVE_INFINITY };
    entry.best = Math.max(entry.best, result.recordsPerSecond);
    entry.worst = Math.min(entry.worst, result.recordsPerSecond);
    summary[result.scenario] = entry;
  }
  return summary;
}

async function main(): Promise<void> {
  const peerIndex = process.argv.indexOf('--peer');
  if (peerIndex >= 0) {
    await runPeer(process.argv[peerIndex + 1] as PeerKind);
    return;
  }
  const seconds = Math.min(Math.max(Number(process.argv[2] ?? 3) || 3, 1), 30);
  const only = process.argv[3];
  const rounds = Math.min(Math.max(Number(process.argv[4] ?? 2) || 2, 1), 5);
  const results: Result[] = [];
  // Rounds interleave the scenarios, so a burst of load from elsewhere on the host hits them alike.
  for (let round = 1; round <= rounds; round += 1)
    for (const scenario of scenarios().filter((s) => only === undefined || s.name.includes(only))) {
      const result = { ...(await runScenario(scenario, seconds)), round };
      results.push(result);
      console.log(
        `#${round} ${result.scenario.padEnd(32)} ${String(result.recordsPerSecond).padStart(8)} records/s  ${String(result.jobsPerSecond).padStart(6)} jobs/s  ${result.bodyMiBPerSecond} MiB/s  peer=${result.peerCounted}/${result.records}  failed=${result.failedJobs}`,
      );
    }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'targets-http.json');
  mkdirSync(dirname(out), { recursive: true });
  const cpu = cpus();
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: `${cpu[0]?.model ?? 'unknown'} x${cpu.length}`,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        conditions:
          'loopback; peer in a child process parsing every record (the sink peer only counts LFs); one target instance; ' +
          'records ~1 KiB ECS JSON; host shared with other work, so compare rounds; ' +
          `${seconds} s per scenario after one warm-up job; default batch limits unless named`,
        summary: summarize(results),
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
