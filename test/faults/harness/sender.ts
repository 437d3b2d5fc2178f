// A steady webhook sender: posts signed snapshots at a fixed rate and retries 503s and connection errors like Snyk would.
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signBody } from '../../../src/receiver/verify-signature.js';
import type { Snapshot } from './snapshots.js';

export type AnswerClass = '2xx' | '503' | 'other' | 'error';

export interface Attempt {
  /** HTTP status, or 0 when the connection failed or timed out. */
  status: number;
  answer: AnswerClass;
  /** From the request's start to its answer (or failure). */
  ms: number;
  at: number;
  /** The connection error, or the answer's error code. */
  detail?: string;
  deliveryId?: string;
}

export interface DeliveryOutcome {
  snapshot: Snapshot;
  /** The same for every attempt: a retry is the same delivery. */
  transportId: string;
  /** X-Snyk-Timestamp, also the same for every attempt. */
  timestamp: string;
  attempts: Attempt[];
  accepted: boolean;
  /** When the 2xx answer arrived. */
  acceptedAt?: number;
}

export interface SenderReport {
  outcomes: DeliveryOutcome[];
  startedAt: number;
  /** When the last delivery got its final answer. */
  finishedAt: number;
}

export interface SenderOptions {
  /** The webhook URL; read at each attempt, so a receiver restarted elsewhere can be followed. */
  url: () => string;
  secret: string;
  snapshots: readonly Snapshot[];
  /** Deliveries started per second. */
  ratePerSecond: number;
  /** Attempts per delivery, the first included. */
  maxAttempts?: number;
  /** Wait before retrying a 503 or a connection error (shorter than Retry-After, to keep the suite short). */
  retryDelayMs?: number;
  /** A request with no complete answer by then counts as a connection error. */
  requestTimeoutMs?: number;
}

export interface SteadySender {
  /** Outcomes so far (filled as deliveries start). */
  readonly outcomes: readonly DeliveryOutcome[];
  /** Resolves once every delivery has its final answer. */
  done: Promise<SenderReport>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function classify(status: number): AnswerClass {
  if (status >= 200 && status < 300) return '2xx';
  if (status === 503) return '503';
  return 'other';
}

/** One POST on a fresh connection, bounded in time; never rejects. */
export function postOnce(
  url: string,
  body: Buffer,
  transportId: string,
  timestamp: string,
  secret: string,
  timeoutMs: number,
): Promise<Attempt> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (attempt: Omit<Attempt, 'ms' | 'at'>): void => {
      if (settled) return;
      settled = true;
      resolve({ ...attempt, ms: Date.now() - started, at: Date.now() });
    };
    const req = request(
      url,
      {
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          'X-Snyk-Event': 'project_snapshot/v0',
          'X-Snyk-Transport-ID': transportId,
          'X-Snyk-Timestamp': timestamp,
          'X-Hub-Signature': signBody(body, secret),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish({ status: 0, answer: 'error', detail: error.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          let parsed: { deliveryId?: unknown; error?: unknown } = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof parsed;
          } catch {
            // not JSON: the status says enough
          }
          finish({
            status,
            answer: classify(status),
            ...(typeof parsed.deliveryId === 'string' ? { deliveryId: parsed.deliveryId } : {}),
            ...(typeof parsed.error === 'string' ? { detail: parsed.error } : {}),
          });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => finish({ status: 0, answer: 'error', detail: error.message }));
    req.end(body);
  });
}

export function startSteadySender(options: SenderOptions): SteadySender {
  const maxAttempts = options.maxAttempts ?? 40;
  const retryDelayMs = options.retryDelayMs ?? 500;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const outcomes: DeliveryOutcome[] = [];
  const startedAt = Date.now();

  async function deliver(snapshot: Snapshot): Promise<void> {
    const outcome: DeliveryOutcome = {
      snapshot,
      transportId: randomUUID(),
      timestamp: new Date().toISOString(),
      attempts: [],
      accepted: false,
    };
    outcomes.push(outcome);
    for (let n = 0; n < maxAttempts; n += 1) {
      if (n > 0) {
        await sleep(retryDelayMs);
      }
      const attempt = await postOnce(
        options.url(),
        snapshot.body,
        outcome.transportId,
        outcome.timestamp,
        options.secret,
        requestTimeoutMs,
      );
      outcome.attempts.push(attempt);
      if (attempt.answer === '2xx') {
        outcome.accepted = true;
        outcome.acceptedAt = attempt.at;
        return;
      }
      // Only what a sender can expect to go away is retried; a 4xx would be answered the same way again.
      if (attempt.answer === 'other') return;
    }
  }

  const done = (async () => {
    const running: Array<Promise<void>> = [];
    for (const snapshot of options.snapshots) {
      const due = startedAt + (snapshot.index * 1000) / options.ratePerSecond;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      running.push(deliver(snapshot));
    }
    await Promise.all(running);
    return { outcomes, startedAt, finishedAt: Date.now() };
  })();

  return { outcomes, done };
}

/** Resolves once `count` deliveries have started, or the sender finished: a fault can be timed to the stream. */
export async function afterDeliveries(
  sender: SteadySender,
  count: number,
  timeoutMs = 60_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  let finished = false;
  void sender.done.then(() => (finished = true));
  while (sender.outcomes.length < count && !finished) {
    if (Date.now() > until) throw new Error(`only ${sender.outcomes.length} of ${count} deliveries started`);
    await sleep(20);
  }
}

/** Resolves once `count` deliveries of the stream were answered 2xx. */
export async function afterAccepted(sender: SteadySender, count: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (sender.outcomes.filter((outcome) => outcome.accepted).length < count) {
    if (Date.now() > until) throw new Error(`fewer than ${count} deliveries accepted within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Several streams accounted for as one. */
export function mergedStreams(
  streams: ReadonlyArray<Pick<SteadySender, 'done'>>,
): Pick<SteadySender, 'done'> {
  return {
    done: Promise.all(streams.map((stream) => stream.done)).then((reports) => ({
      outcomes: reports.flatMap((report) => report.outcomes),
      startedAt: Math.min(...reports.map((report) => report.startedAt)),
      finishedAt: Math.max(...reports.map((report) => report.finishedAt)),
    })),
  };
}
