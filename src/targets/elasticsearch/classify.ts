// Classifies Elasticsearch _bulk answers: the request by its status, then each item (delivered, retry or rejected).
import { retryable, type SendError } from '../../errors.js';
import type { BatchItem, FlushOutcome } from '../shared/batcher.js';
import { classifyHttpStatus } from '../shared/classify-http.js';
import { responseExcerpt } from '../shared/http-body.js';
import type { HttpResponse } from '../shared/http-request.js';

export type BulkItemOutcome =
  { kind: 'delivered' } | { kind: 'retry'; reason: string } | { kind: 'rejected'; reason: string };

/**
 * One item's status: 2xx stored; 409 on `create` with our deterministic `_id` means an earlier attempt stored it;
 * 429 (es_rejected_execution_exception) and 5xx (e.g. unavailable_shards_exception) can pass later; any other 4xx
 * (mapper_parsing_exception, document_parsing_exception, index_not_found, …) will fail again (Elastic
 * "Rejected requests" troubleshooting; bulk API reference).
 */
export function classifyBulkItem(status: number, errorType?: string, reason?: string): BulkItemOutcome {
  if (status >= 200 && status <= 299) return { kind: 'delivered' };
  if (status === 409 && (errorType === undefined || errorType === 'version_conflict_engine_exception')) {
    return { kind: 'delivered' };
  }
  const text = `${status} ${errorType ?? 'error'}${reason ? `: ${reason.slice(0, 200)}` : ''}`;
  if (status === 429 || (status >= 500 && status <= 599)) return { kind: 'retry', reason: text };
  return { kind: 'rejected', reason: text };
}

interface BulkItemBody {
  status?: unknown;
  error?: { type?: unknown; reason?: unknown };
}

/**
 * Maps a 2xx _bulk response onto the request's ids (items come back in request order). `errors: false` means all
 * stored. An unreadable body or a missing item makes that item retryable: resending a `create` is harmless.
 */
export function classifyBulkResponse(body: string, ids: readonly string[], what: string): FlushOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const doc = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  if (doc?.['errors'] === false) return {};
  const items = Array.isArray(doc?.['items']) ? (doc['items'] as unknown[]) : [];
  const failed = new Map<string, SendError>();
  const rejected = new Map<string, string>();
  ids.forEach((id, index) => {
    const wrapper = items[index];
    const item =
      typeof wrapper === 'object' && wrapper !== null
        ? (Object.values(wrapper as Record<string, unknown>)[0] as BulkItemBody | undefined)
        : undefined;
    if (!item || typeof item.status !== 'number') {
      failed.set(id, retryable('partial_failure', `${what}: no result for ${id} in the bulk response`));
      return;
    }
    const type = typeof item.error?.type === 'string' ? item.error.type : undefined;
    const reason = typeof item.error?.reason === 'string' ? item.error.reason : undefined;
    const outcome = classifyBulkItem(item.status, type, reason);
    if (outcome.kind === 'retry')
      failed.set(id, retryable('partial_failure', `${what}: ${id} ${outcome.reason}`));
    else if (outcome.kind === 'rejected') rejected.set(id, outcome.reason);
  });
  return { failed, rejected };
}

/** A _bulk answer: the request as a whole by its status (413 says what to change), then each item by its result. */
export function classifyBulkAnswer(
  response: HttpResponse,
  items: readonly BatchItem[],
  what: string,
  secrets: readonly string[],
): SendError | FlushOutcome {
  const detail =
    response.status === 413
      ? 'request too large; lower batch.maxBytes'
      : responseExcerpt(response.body, secrets);
  return (
    classifyHttpStatus(response.status, response.headers, { what, detail }) ??
    classifyBulkResponse(
      response.body,
      items.map((item) => item.id),
      what,
    )
  );
}
