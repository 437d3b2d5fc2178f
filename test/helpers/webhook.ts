// Posts Snyk-style webhooks: the exact bytes, signed with HMAC-SHA256, with Snyk's headers.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { signBody } from '../../src/receiver/verify-signature.js';

export interface PostOptions {
  secret?: string;
  event?: string | null;
  transportId?: string;
  signature?: string | null;
  headers?: Record<string, string>;
}

export interface PostResult {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  ms: number;
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/snyk/${name}`, import.meta.url));
}

export async function postWebhook(
  url: string,
  body: Buffer | string,
  options: PostOptions = {},
): Promise<PostResult> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(bytes.length),
    'X-Snyk-Transport-ID': options.transportId ?? randomUUID(),
    'X-Snyk-Timestamp': '2026-11-26T10:00:00.000Z',
    ...options.headers,
  };
  if (options.event !== null) headers['X-Snyk-Event'] = options.event ?? 'project_snapshot/v0';
  if (options.signature !== null) {
    headers['X-Hub-Signature'] =
      options.signature ?? signBody(bytes, options.secret ?? 'test-secret-0123456789abcdef');
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { raw: text };
        }
        resolve({
          status: res.statusCode ?? 0,
          body: parsed,
          headers: res.headers,
          ms: performance.now() - started,
        });
      });
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

// Snyk bodies carry project.lastTestedDate (snyk-webhooks.md §8.3): each new test of a project sends a new body, and
// delivery and record ids derive from the body. A random start keeps processes that share a Redis apart.
let tests = Math.floor(Math.random() * 1e9);
const FIRST_TEST = Date.parse('2026-01-01T00:00:00.000Z');

/** The fixture `name` (a project_snapshot body) with a lastTestedDate no other call returns: a new test's body. */
export function freshSnapshot(name = 'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json'): string {
  const body = JSON.parse(fixture(name).toString('utf8')) as { project: Record<string, unknown> };
  tests += 1;
  body.project['lastTestedDate'] = new Date(FIRST_TEST + tests * 1000).toISOString();
  return JSON.stringify(body);
}
