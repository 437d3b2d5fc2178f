// Signed Snyk deliveries for the benches, each body distinct: a template whose ids are rewritten in place per copy.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signBody } from '../src/receiver/verify-signature.js';

const SNAPSHOT_EVENT = 'project_snapshot/v0';
const PING_EVENT = 'ping/v0';

function fixture(name: string): string {
  return readFileSync(new URL(`../test/fixtures/snyk/${name}`, import.meta.url), 'utf8');
}

/** The real 5-issue snapshot of Snyk's mock webhook, as Snyk sends it (pretty-printed). */
const FIVE_ISSUE = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');
const FIVE_ISSUE_PROJECT_ID = '08218f17-b2be-4c3e-a05c-b655e1e0eb93';

/** A real capture with three issues of 4.5-5.5 KB markdown descriptions each: the large snapshots are cloned from it. */
const CAPTURE = JSON.parse(fixture('project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json')) as {
  project: { id: string };
  newIssues: Record<string, unknown>[];
};

/** Snyk's ping/v0 body (`{"webhookId": "…"}`, test/fixtures/snyk/ping-v0.snyk-docs.json). */
const PING = fixture('ping-v0.snyk-docs.json');
const PING_WEBHOOK_ID = 'd3cf26b3-2d77-497b-bce2-23b33cc15362';

/**
 * A snapshot of `issues` issues cloned from the capture's three, with distinct issue ids so that every finding is its
 * own record (bench/normalize.ts measures the same shape).
 */
export function syntheticSnapshot(issues: number): Record<string, unknown> {
  const newIssues = Array.from({ length: issues }, (_, i) => {
    const issue = structuredClone(CAPTURE.newIssues[i % CAPTURE.newIssues.length]) as {
      id: string;
      issueData: { id: string };
    };
    issue.id = `${issue.id}-${i}`;
    issue.issueData.id = issue.id;
    return issue;
  });
  return { ...CAPTURE, newIssues };
}

/** The smallest synthetic snapshot whose compact JSON is at least `bytes` long. */
export function snapshotOfSize(bytes: number): { issues: number; body: Record<string, unknown> } {
  const perIssue = Buffer.byteLength(JSON.stringify(syntheticSnapshot(30))) / 30;
  let issues = Math.ceil(bytes / perIssue);
  let body = syntheticSnapshot(issues);
  while (Buffer.byteLength(JSON.stringify(body)) < bytes) {
    issues += Math.max(1, Math.ceil(issues / 100));
    body = syntheticSnapshot(issues);
  }
  return { issues, body };
}

/** One kind of delivery: a body template with the 36-character id that each copy replaces with a new UUID. */
export interface Payload {
  /** Short name for tables: "ping", "5 issues", "500 issues". */
  name: string;
  event: string;
  /** Findings (issues) one delivery holds: 0 for a ping. */
  issues: number;
  template: Buffer;
  /** The id in the template that makes each copy distinct (a project id, or a ping's webhook id). */
  placeholder: string;
}

export function pingPayload(): Payload {
  return {
    name: 'ping',
    event: PING_EVENT,
    issues: 0,
    template: Buffer.from(PING),
    placeholder: PING_WEBHOOK_ID,
  };
}

export function fiveIssuePayload(): Payload {
  return {
    name: '5 issues',
    event: SNAPSHOT_EVENT,
    issues: 5,
    template: Buffer.from(FIVE_ISSUE),
    placeholder: FIVE_ISSUE_PROJECT_ID,
  };
}

/** A compact-JSON synthetic snapshot of `issues` issues (500 issues: about 2.3 MB). */
export function syntheticPayload(issues: number, name = `${issues} issues`): Payload {
  return {
    name,
    event: SNAPSHOT_EVENT,
    issues,
    template: Buffer.from(JSON.stringify(syntheticSnapshot(issues))),
    placeholder: CAPTURE.project.id,
  };
}

/** A synthetic snapshot of at least `bytes` bytes. */
export function payloadOfSize(bytes: number, name: string): Payload {
  const { issues, body } = snapshotOfSize(bytes);
  return {
    name,
    event: SNAPSHOT_EVENT,
    issues,
    template: Buffer.from(JSON.stringify(body)),
    placeholder: CAPTURE.project.id,
  };
}

export interface SignedBody {
  body: Buffer;
  /** The X-Hub-Signature header: `sha256=<hex>` of the body. */
  signature: string;
}

function offsets(template: Buffer, placeholder: string): number[] {
  const found: number[] = [];
  for (let at = template.indexOf(placeholder); at !== -1; at = template.indexOf(placeholder, at + 1))
    found.push(at);
  if (found.length === 0) throw new Error(`the payload template does not hold ${placeholder}`);
  return found;
}

/**
 * `count` signed copies of the payload, each with a new UUID in place of the placeholder: the forwarder stores one
 * delivery per distinct body (its delivery id is the body's hash, docs/architecture.md "Jobs"), so a repeated body
 * would measure the duplicate path instead.
 */
export function signedBodies(payload: Payload, count: number, secret: string): SignedBody[] {
  const at = offsets(payload.template, payload.placeholder);
  return Array.from({ length: count }, () => {
    const body = Buffer.from(payload.template);
    const id = randomUUID();
    for (const offset of at) body.write(id, offset, 'latin1');
    return { body, signature: signBody(body, secret) };
  });
}

/** The headers Snyk sends with a delivery (docs/snyk.md); the transport id is unsigned and new per request. */
export function deliveryHeaders(payload: Payload, signed: SignedBody): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-Snyk-Event': payload.event,
    'X-Snyk-Transport-ID': randomUUID(),
    'X-Hub-Signature': signed.signature,
  };
}
