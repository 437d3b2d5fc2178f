// Posts signed Snyk deliveries over keep-alive agents and times the answers: the load the receiver benches send.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { signBody } from '../src/receiver/verify-signature.js';
import { round } from './phase.js';

export function postSnapshot(
  url: string,
  agent: Agent,
  body: Buffer,
  secret: string,
  event = 'project_snapshot/v0',
  signature = signBody(body, secret),
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          'X-Snyk-Event': event,
          'X-Snyk-Transport-ID': randomUUID(),
          'X-Hub-Signature': signature,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The p-th percentile of ascending `sorted`, 0 when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export interface Load {
  startedAt: number;
  seconds: number;
  accepted: number;
  refused: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Posts every body once over `concurrency` keep-alive connections (202 counts as accepted); bounded in count, and in
 * time by `limitMs`, past which no new request starts.
 */
export async function postLoad(
  url: string,
  bodies: ReadonlyArray<{ body: Buffer; signature: string }>,
  options: { concurrency: number; secret: string; event?: string; limitMs: number },
): Promise<Load> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let refused = 0;
  let next = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.limitMs;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const signed = bodies[next];
        next += 1;
        if (signed === undefined) break;
        const { status, ms } = await postSnapshot(
          url,
          agent,
          signed.body,
          options.secret,
          options.event,
          signed.signature,
        );
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
