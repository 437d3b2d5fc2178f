// Throughput of one syslog / Rapid7 target instance against local peers (syslog-ng tcp, tls, udp; an HTTPS webhook).
// Bounded: each case sends at most `records` records and stops after `maxSeconds`. Writes bench/results/targets-syslog.json.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import winston from 'winston';
import { rapid7TargetSchema } from '../src/targets/rapid7/config.js';
import { buildRapid7Target } from '../src/targets/rapid7/target.js';
import { syslogTargetSchema } from '../src/targets/syslog/config.js';
import { buildSyslogTarget } from '../src/targets/syslog/target.js';
import type { RecordBatch, EncodedRecord } from '../src/record-batch.js';
import type { SendContext, Target } from '../src/targets/types.js';
import { freePort } from '../test/helpers/free-port.js';
import { startSyslogNg, type SourceName, type TestSyslogNg } from '../test/helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../test/helpers/test-ca.js';

const logger = winston.createLogger({ silent: true });
const TOKEN = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';

interface Case {
  name: string;
  build: () => Target;
  /** syslog-ng output to count end to end, when the peer is syslog-ng. */
  source?: SourceName;
  records: number;
  batchSize: number;
  concurrency: number;
  maxSeconds: number;
  settleMs?: number;
}

interface Result {
  name: string;
  records: number;
  batchSize: number;
  concurrency: number;
  settleMs: number | null;
  recordBytes: number;
  seconds: number;
  recordsPerSecond: number;
  /** Records the peer had written/parsed when the case ended (UDP may drop). */
  receivedByPeer: number | null;
  failedSends: number;
}

function record(i: number, prefix: string): EncodedRecord {
  const id = `${prefix}-${i}`;
  return {
    id,
    time: new Date().toISOString(),
    kind: 'finding',
    severity: (['low', 'medium', 'high', 'critical'] as const)[i % 4],
    format: 'json',
    body: JSON.stringify({
      id,
      event: 'finding.introduced',
      org: 'acme',
      project: 'acme/web-frontend:package.json',
      issue: { id: 'SNYK-JS-LODASH-567746', title: 'Prototype Pollution', severity: 'high', cvss: 7.3 },
      package: { name: 'lodash', version: '4.17.15' },
      url: 'https://app.snyk.io/org/acme/project/0000/issue/SNYK-JS-LODASH-567746',
    }),
  };
}

function context(): SendContext {
  return {
    signal: new AbortController().signal,
    logger,
    checkpoint: async () => undefined,
    reject: async () => undefined,
  };
}

async function run(c: Case, countReceived: () => number): Promise<Result> {
  const target = c.build();
  const records = Array.from({ length: c.records }, (_, i) => record(i, c.name));
  const batches: RecordBatch[] = [];
  for (let i = 0; i < records.length; i += c.batchSize) {
    batches.push({ deliveryId: `d${i}`, transportId: `t${i}`, records: records.slice(i, i + c.batchSize) });
  }
  // Warm-up: connect and JIT before timing.
  await target.send(
    { deliveryId: 'w', transportId: 'w', records: [record(-1, `${c.name}-warm`)] },
    context(),
  );
  let next = 0;
  let sent = 0;
  let failedSends = 0;
  const started = performance.now();
  const deadline = started + c.maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: c.concurrency }, async () => {
      while (next < batches.length && performance.now() < deadline) {
        const batch = batches[next] as RecordBatch;
        next += 1;
        try {
          await target.send(batch, context());
          sent += batch.records.length;
        } catch {
          failedSends += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await target.close();
  // Give the peer a moment to write what it received.
  await new Promise((r) => setTimeout(r, 500));
  return {
    name: c.name,
    records: sent,
    batchSize: c.batchSize,
    concurrency: c.concurrency,
    settleMs: c.settleMs ?? null,
    recordBytes: Buffer.byteLength(record(0, c.name).body),
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecond: Math.round(sent / seconds),
    receivedByPeer: countReceived(),
    failedSends,
  };
}

/** The webhook peer runs in its own process so that client and server do not share one CPU thread. */
async function startWebhookPeer(pki: TestPki): Promise<{ port: number; stop: () => Promise<number> }> {
  const port = await freePort();
  const code = `
    import { createServer } from 'node:https';
    import { readFileSync } from 'node:fs';
    let count = 0;
    const server = createServer({ key: readFileSync(process.env.KEY), cert: readFileSync(process.env.CERT) }, (req, res) => {
      req.resume();
      req.on('end', () => { count += 1; res.writeHead(204); res.end(); });
    });
    server.keepAliveTimeout = 10000;
    server.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\\n'));
    process.on('SIGTERM', () => { process.stdout.write('count ' + count + '\\n'); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, PORT: String(port), KEY: pki.serverKeyFile, CERT: pki.serverCertFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const until = Date.now() + 10_000;
  while (!out.includes('ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return {
    port,
    stop: () =>
      new Promise<number>((resolve) => {
        child.once('exit', () => resolve(Number(/count (\d+)/.exec(out)?.[1] ?? 0)));
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const pki = makeTestPki();
  let syslogNg: TestSyslogNg | undefined;
  const results: Result[] = [];
  try {
    syslogNg = await startSyslogNg(pki);
    const sng = syslogNg;
    const count = (source: SourceName, prefix: string) => () =>
      sng.read(source).filter((m) => m.msg.includes(`"${prefix}-`)).length;
    const syslog = (name: string, input: Record<string, unknown>) => () =>
      buildSyslogTarget(syslogTargetSchema.parse({ name, type: 'syslog', host: '127.0.0.1', ...input }), {
        logger,
      });
    const cases: Case[] = [
      {
        name: 'syslog-tcp-b100-c8',
        build: syslog('b1', { protocol: 'tcp', port: sng.ports.tcp }),
        source: 'tcp',
        records: 50_000,
        batchSize: 100,
        concurrency: 8,
        maxSeconds: 10,
        settleMs: 50,
      },
      {
        name: 'syslog-tls-b100-c8',
        build: syslog('b2', { protocol: 'tls', port: sng.ports.tls, tls: { ca: pki.caFile } }),
        source: 'tls',
        records: 50_000,
        batchSize: 100,
        concurrency: 8,
        maxSeconds: 10,
        settleMs: 50,
      },
      {
        name: 'syslog-udp-b100-c8',
        build: syslog('b3', { protocol: 'udp', port: sng.ports.udp }),
        source: 'udp',
        records: 50_000,
        batchSize: 100,
        concurrency: 8,
        maxSeconds: 10,
      },
      {
        name: 'syslog-tcp-b1-c4',
        build: syslog('b4', { protocol: 'tcp', port: sng.ports.tcp }),
        source: 'tcp',
        records: 2_000,
        batchSize: 1,
        concurrency: 4,
        maxSeconds: 5,
        settleMs: 50,
      },
      {
        name: 'syslog-tcp-b1-c64',
        build: syslog('b6', { protocol: 'tcp', port: sng.ports.tcp }),
        source: 'tcp',
        records: 20_000,
        batchSize: 1,
        concurrency: 64,
        maxSeconds: 5,
        settleMs: 50,
      },
      {
        name: 'syslog-tcp-b1-c4-settle0',
        build: syslog('b5', { protocol: 'tcp', port: sng.ports.tcp, settleMs: 0 }),
        source: 'tcp',
        records: 20_000,
        batchSize: 1,
        concurrency: 4,
        maxSeconds: 5,
        settleMs: 0,
      },
    ];
    for (const c of cases) {
      const result = await run(c, c.source ? count(c.source, c.name) : () => 0);
      results.push(result);
      console.log(JSON.stringify(result));
    }
    const webhook = await startWebhookPeer(pki);
    const webhookCase: Case = {
      name: 'rapid7-webhook-b100-c8',
      build: () =>
        buildRapid7Target(
          rapid7TargetSchema.parse({
            name: 'bw',
            type: 'rapid7',
            token: TOKEN,
            endpoint: `https://127.0.0.1:${webhook.port}`,
            tls: { ca: pki.caFile },
          }),
          { logger },
        ),
      records: 10_000,
      batchSize: 100,
      concurrency: 8,
      maxSeconds: 10,
    };
    const webhookResult = await run(webhookCase, () => 0);
    webhookResult.receivedByPeer = (await webhook.stop()) - 1; // minus the warm-up record
    results.push(webhookResult);
    console.log(JSON.stringify(webhookResult));
  } finally {
    await syslogNg?.cleanup();
    pki.cleanup();
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'targets-syslog.json');
  mkdirSync(dirname(out), { recursive: true });
  const syslogNgVersion = execFileSync('/usr/sbin/syslog-ng', ['--version']).toString().split('\n')[0] ?? '';
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        measuredAt: new Date().toISOString(),
        machine: {
          cpu: cpus()[0]?.model ?? 'unknown',
          cpus: cpus().length,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
        },
        node: process.version,
        peer: syslogNgVersion,
        note: 'One target instance, loopback, peer on the same machine; receivedByPeer counts what syslog-ng wrote (UDP may drop).',
        results,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`wrote ${out}`);
}

await main();
