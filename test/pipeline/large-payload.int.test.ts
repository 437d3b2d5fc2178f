// The receiver keeps answering while the largest allowed snapshot is normalised in the same process.
import { Worker } from 'node:worker_threads';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { useForwarder } from '../helpers/forwarder.js';
import { postWebhook } from '../helpers/webhook.js';
import { largestSnapshot } from '../normalizers/large-snapshot.js';
import { receiverSchema } from '../../src/config/schema.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';

// Storing a 32 MiB job is one Redis command that can outlast the 1.5 s default commandTimeoutMs on a loaded 2-core
// machine, and the receiver then answers 503 by design (Snyk retries). This test is about the event loop while the
// body is normalised, so the store gets the longest timeout the schema allows.
const fx = useForwarder({ config: { redis: { commandTimeoutMs: 10_000 } } });

// The prober runs in its own thread, so a blocked event loop in this process delays the answers it measures but
// never the requests it sends: one request every INTERVAL_MS whatever happened to the previous ones (open loop).
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, intervalMs, timeoutMs } = workerData;
const latencies = [];
let pending = 0;
const timer = setInterval(() => {
  const sentAt = Date.now();
  const started = performance.now();
  pending += 1;
  fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    .then(async (response) => {
      await response.arrayBuffer();
      latencies.push({ sentAt, ms: response.ok ? performance.now() - started : -1 });
    })
    .catch(() => latencies.push({ sentAt, ms: -1 }))
    .finally(() => (pending -= 1));
}, intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  const deadline = Date.now() + timeoutMs + 1000;
  const done = () =>
    pending === 0 || Date.now() > deadline ? parentPort.postMessage(latencies) : setTimeout(done, 10);
  done();
});
`;

interface Probe {
  /** Date.now() when the request was sent. */
  sentAt: number;
  /** Round trip in ms; -1 when it failed or timed out. */
  ms: number;
}

interface Prober {
  /** Stops sending, waits for the answers still due, and returns every probe. */
  stop(): Promise<Probe[]>;
}

function startProber(url: string): Prober {
  const thread = new Worker(PROBER, { eval: true, workerData: { url, intervalMs: 20, timeoutMs: 5_000 } });
  return {
    async stop() {
      const result = new Promise<Probe[]>((resolve) => thread.once('message', resolve));
      thread.postMessage('stop');
      const latencies = await result;
      await thread.terminate();
      return latencies;
    },
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const summary = (values: readonly number[]) =>
  `${values.length} probes, p50 ${percentile(values, 50).toFixed(1)} ms, ` +
  `p99 ${percentile(values, 99).toFixed(1)} ms, max ${Math.max(...values).toFixed(1)} ms`;

describe('the largest allowed snapshot', () => {
  it('is normalised while /healthz keeps answering (p99 under 1 s, no probe timed out)', async () => {
    // The largest body the receiver accepts on its default settings, which the test forwarder keeps.
    const { body, findings } = largestSnapshot(receiverSchema.parse({}).maxBodyBytes);
    const healthz = `${fx.forwarder.url}/healthz`;
    const queue = new Queue('ingest', {
      connection: workerConnectionOptions(fx.redis.url),
      prefix: fx.forwarder.prefix,
    });
    try {
      const prober = startProber(healthz);
      let probes: Probe[] = [];
      let job;
      let answeredAt = Number.NaN;
      try {
        const answer = await postWebhook(fx.forwarder.webhookUrl, body);
        answeredAt = Date.now();
        expect(answer.status).toBe(202);
        const deliveryId = String(answer.body.deliveryId);
        // Until the ingest job (parse, normalise, encode, store the target jobs) is done; bounded in time. Only its
        // state is polled: reading the job itself would parse its 32 MiB body in this process at every poll.
        const until = Date.now() + 180_000;
        let state = await queue.getJobState(deliveryId);
        while (state !== 'completed' && state !== 'failed' && Date.now() < until) {
          await new Promise((r) => setTimeout(r, 50));
          state = await queue.getJobState(deliveryId);
        }
        job = await queue.getJob(deliveryId);
      } finally {
        probes = await prober.stop();
      }
      expect(job?.finishedOn, 'the ingest job finished').toBeDefined();
      expect(job?.failedReason).toBeUndefined();
      const finishedOn = job?.finishedOn ?? 0;
      const receiving = probes.filter((p) => p.sentAt < answeredAt).map((p) => p.ms);
      const normalising = probes
        .filter((p) => p.sentAt >= answeredAt && p.sentAt <= finishedOn)
        .map((p) => p.ms);
      console.log(
        `largest allowed snapshot: ${Buffer.byteLength(body)} bytes, ${findings} findings; ingest job ` +
          `${finishedOn - (job?.processedOn ?? 0)} ms. /healthz while the body was received and stored: ` +
          `${summary(receiving)}; while it was normalised: ${summary(normalising)}`,
      );
      expect(job?.returnvalue).toEqual({ records: { out: findings + 1 } });
      expect(normalising.length).toBeGreaterThan(0);
      expect(probes.filter((p) => p.ms < 0)).toEqual([]);
      expect(percentile(normalising, 99)).toBeLessThan(1_000);
    } finally {
      await queue.close();
    }
  }, 240_000);
});
