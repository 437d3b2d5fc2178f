// The one HTTP target: pooled agent, batches of framed records per request, and the target type's classification hooks.
import type { Agent } from 'node:http';
import { SendError } from '../../errors.js';
import type { TlsConfig } from '../../net/tls.js';
import type { EncodedRecord } from '../../record-batch.js';
import type { Target, TargetDeps } from '../types.js';
import { createBatcher, type BatchItem, type BatchLimits, type FlushOutcome } from './batcher.js';
import { classifySocketError } from './classify-socket.js';
import { createHttpAgent, describeUrl, httpRequest, type HttpResponse } from './http-request.js';

/** The configuration every HTTP target has (the schemas in shared/http-config.ts). */
export interface HttpTargetSettings {
  name: string;
  /** The base URL: the agent's scheme and host, and the origin named in messages. */
  url: string;
  tls?: TlsConfig | undefined;
  concurrency: number;
  timeoutMs: number;
  batch: BatchLimits;
}

/** What the target type adds: where and how requests go, its framer and its classifier. */
export interface HttpTargetParts<Item extends BatchItem> {
  /** Target.type; also the first word of messages. */
  type: string;
  /** Names the target and peer in messages, never with a secret; default `<type> target <name> (<origin>)`. */
  what?: string;
  /** Where requests go; default the base URL. */
  endpoint?: URL;
  method?: string;
  headers: Readonly<Record<string, string>> | ((items: readonly Item[]) => Record<string, string>);
  gzip?: boolean;
  maxResponseBytes?: number;
  /** Pooled sockets; default a few above the concurrency, for HEC ack polls and requests still closing. */
  maxSockets?: number;
  /** The record as a piece of a request body, with the bytes it adds. */
  frame(record: EncodedRecord): Item;
  /** The request body of these pieces. */
  body(items: readonly Item[]): string;
  /** The answer: a SendError for the request as a whole, the per-item verdict, or undefined when all were taken. */
  classify(
    response: HttpResponse,
    items: readonly Item[],
    what: string,
  ): SendError | FlushOutcome | undefined;
  /** Waits, after an accepted answer, until the peer confirms it (Splunk indexer acknowledgement); throws SendError. */
  confirm?(response: HttpResponse, peer: { agent: Agent; what: string; signal: AbortSignal }): Promise<void>;
  /** A failure before any answer; default classifySocketError. */
  classifyFailure?(error: unknown, what: string): SendError;
}

export function buildHttpBatchTarget<Item extends BatchItem>(
  settings: HttpTargetSettings,
  parts: HttpTargetParts<Item>,
  deps: TargetDeps,
): Target {
  const { name, tls, concurrency, timeoutMs } = settings;
  const base = new URL(settings.url);
  if (tls?.rejectUnauthorized === false) {
    deps.logger.warn('TLS certificate verification is off for this target', { target: name });
  }
  const what = parts.what ?? `${parts.type} target ${name} (${describeUrl(base)})`;
  const agent = createHttpAgent(base, tls, parts.maxSockets ?? concurrency + 4);
  const url = parts.endpoint ?? base;
  const classifyFailure = parts.classifyFailure ?? classifySocketError;
  const headers = parts.headers;
  const headersFor = typeof headers === 'function' ? headers : () => headers;

  const batcher = createBatcher<Item>({
    ...settings.batch,
    maxInFlight: concurrency,
    what,
    async flush(items, signal) {
      let response: HttpResponse;
      try {
        response = await httpRequest({
          url,
          agent,
          method: parts.method,
          headers: headersFor(items),
          body: parts.body(items),
          gzip: parts.gzip,
          timeoutMs,
          signal,
          maxResponseBytes: parts.maxResponseBytes,
        });
      } catch (error) {
        throw classifyFailure(error, what);
      }
      const verdict = parts.classify(response, items, what);
      if (verdict instanceof SendError) throw verdict;
      if (verdict?.rejected && verdict.rejected.size > 0) {
        // Rejected items are marked (SendContext.reject): not retried, and dead-lettered once the rest is delivered.
        deps.logger.warn(`${parts.type} rejected records`, {
          target: name,
          rejected: Object.fromEntries(verdict.rejected),
        });
      }
      if (parts.confirm) await parts.confirm(response, { agent, what, signal });
      return verdict;
    },
  });

  return {
    name,
    type: parts.type,
    async send(batch, context) {
      await batcher.send(
        batch.records.map((record) => parts.frame(record)),
        context,
      );
    },
    async close() {
      await batcher.close();
      agent.destroy();
    },
  };
}
