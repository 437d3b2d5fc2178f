// The Elasticsearch target: _bulk `create` requests; per-item results decide what is checkpointed, retried or rejected.
import type { ElasticsearchTargetConfig } from './config.js';
import type { TargetDeps } from '../types.js';
import type { Target } from '../types.js';
import { createBatcher, type BatchItem } from '../shared/batcher.js';
import { classifyHttpStatus } from '../shared/classify-http.js';
import { responseExcerpt } from '../shared/http-body.js';
import { httpRequest, httpTargetBase } from '../shared/http-request.js';
import { BULK_FILTER_PATH, frameBulkPair, joinBulkPairs } from './frame.js';
import { classifyBulkResponse } from './classify.js';

/** Bulk answers list every item; with filter_path they stay small, but a large batch can still exceed 1 MiB. */
const MAX_BULK_RESPONSE_BYTES = 64 * 1_048_576;

function authorization(config: ElasticsearchTargetConfig): Record<string, string> {
  if (config.apiKey !== undefined) return { authorization: `ApiKey ${config.apiKey}` };
  if (config.username !== undefined && config.password !== undefined) {
    const basic = Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

export function buildElasticsearchTarget(config: ElasticsearchTargetConfig, deps: TargetDeps): Target {
  const { url: base, what, agent } = httpTargetBase('elasticsearch', config, deps.logger);
  const bulkUrl = new URL(base.href);
  bulkUrl.pathname = `${bulkUrl.pathname.replace(/\/+$/, '')}/_bulk`;
  bulkUrl.searchParams.set('filter_path', BULK_FILTER_PATH);
  const headers: Record<string, string> = {
    'content-type': 'application/x-ndjson',
    'user-agent': 'snyk-siem-forwarder',
    ...authorization(config),
  };
  const secrets = [config.apiKey, config.password].filter((s): s is string => s !== undefined);

  const batcher = createBatcher({
    ...config.batch,
    maxInFlight: config.concurrency,
    what,
    async flush(items, signal) {
      const response = await httpRequest({
        url: bulkUrl,
        agent,
        headers,
        body: joinBulkPairs(items.map((item) => item.piece)),
        timeoutMs: config.timeoutMs,
        signal,
        maxResponseBytes: MAX_BULK_RESPONSE_BYTES,
      });
      const detail =
        response.status === 413
          ? 'request too large; lower batch.maxBytes'
          : responseExcerpt(response.body, secrets);
      const error = classifyHttpStatus(response.status, response.headers, { what, detail });
      if (error) throw error;
      const outcome = classifyBulkResponse(
        response.body,
        items.map((item) => item.id),
        what,
      );
      if (outcome.rejected && outcome.rejected.size > 0) {
        // Rejected items are marked (SendContext.reject): not retried, and dead-lettered once the rest is delivered.
        deps.logger.warn('elasticsearch rejected records', {
          target: config.name,
          rejected: Object.fromEntries(outcome.rejected),
        });
      }
      return outcome;
    },
  });

  return {
    name: config.name,
    type: 'elasticsearch',
    async send(batch, context) {
      const items: BatchItem[] = batch.records.map((record) => {
        const piece = frameBulkPair(record, config.index);
        return { id: record.id, piece, bytes: Buffer.byteLength(piece, 'utf8') };
      });
      await batcher.send(items, context);
    },
    async close() {
      await batcher.close();
      agent.destroy();
    },
  };
}
