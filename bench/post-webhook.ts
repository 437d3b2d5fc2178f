// Posts one signed Snyk snapshot over a keep-alive agent and times the answer: the load both receiver benches send.
import { randomUUID } from 'node:crypto';
import { request, type Agent } from 'node:http';
import { signBody } from '../src/receiver/verify-signature.js';

export function postSnapshot(
  url: string,
  agent: Agent,
  body: Buffer,
  secret: string,
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
          'X-Snyk-Event': 'project_snapshot/v0',
          'X-Snyk-Transport-ID': randomUUID(),
          'X-Hub-Signature': signBody(body, secret),
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
