// The Rapid7 webhook transport: one HTTPS POST per record on a keep-alive agent, a few in flight per job.
import type { Agent } from 'node:http';
import { retryable, type SendError } from '../../errors.js';
import type { TlsConfig } from '../../net/tls.js';
import { createHttpAgent, httpRequest } from '../shared/http-request.js';
import type { RecordBatch, EncodedRecord } from '../../record-batch.js';
import type { SendContext } from '../types.js';
import { classifyWebhookFailure, classifyWebhookResponse } from './classify.js';
import { webhookRequest } from './frame.js';

/**
 * Requests of one job in flight at once. Rapid7 documents one entry per POST and no batch form for this endpoint
 * (Rapid7 docs, "Webhook event source"), so records travel one per request; a small window keeps the latency of a large delivery
 * low without flooding the collector.
 */
export const WEBHOOK_PARALLELISM = 8;

export interface WebhookSenderOptions {
  url: URL;
  token: string;
  tls: TlsConfig | undefined;
  timeoutMs: number;
  what: string;
}

export class WebhookSender {
  private readonly agent: Agent;
  private readonly closing = new AbortController();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly options: WebhookSenderOptions) {
    this.agent = createHttpAgent(options.url, options.tls);
  }

  /**
   * Posts every record. Delivered ids are checkpointed so the job's retry resends only the rest. After the first
   * failure no new request starts; the job fails with the most retryable error seen (a Retry-After wait wins).
   */
  async send(batch: RecordBatch, context: SendContext): Promise<void> {
    const { what } = this.options;
    if (this.closed) throw retryable('target_closed', `${what}: target is closing`);
    const signal = AbortSignal.any([context.signal, this.closing.signal]);
    const delivered: string[] = [];
    const failures: SendError[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (failures.length === 0 && next < batch.records.length) {
        const record = batch.records[next] as EncodedRecord;
        next += 1;
        const failure = await this.post(record, signal);
        if (failure) failures.push(failure);
        else delivered.push(record.id);
      }
    };
    const work = Promise.all(
      Array.from({ length: Math.min(WEBHOOK_PARALLELISM, batch.records.length) }, worker),
    );
    this.inFlight.add(work);
    try {
      await work;
    } finally {
      this.inFlight.delete(work);
    }
    if (failures.length === 0) return;
    if (delivered.length > 0) await context.checkpoint(delivered);
    throw pickFailure(failures);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort(new Error('target closed'));
    await Promise.allSettled([...this.inFlight]);
    this.agent.destroy();
  }

  private async post(record: EncodedRecord, signal: AbortSignal): Promise<SendError | undefined> {
    const { url, token, timeoutMs, what } = this.options;
    const { body, contentType } = webhookRequest(record);
    try {
      const response = await httpRequest({
        url,
        agent: this.agent,
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
        timeoutMs,
        signal,
        maxResponseBytes: 4096,
      });
      return classifyWebhookResponse(response, what, token);
    } catch (error) {
      return classifyWebhookFailure(error, what, token);
    }
  }
}

/** Rate-limited beats retryable beats permanent: a permanent verdict needs every failure to be permanent. */
function pickFailure(failures: readonly SendError[]): SendError {
  const limited = failures.filter((f) => f.retryAfterMs !== undefined);
  if (limited.length > 0)
    return limited.reduce((a, b) => ((a.retryAfterMs ?? 0) >= (b.retryAfterMs ?? 0) ? a : b));
  return failures.find((f) => f.retryable) ?? (failures[0] as SendError);
}
