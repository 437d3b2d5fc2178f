// The Elasticsearch target: _bulk `create` requests; per-item results decide what is checkpointed, retried or rejected.
import type { ElasticsearchTargetConfig } from './config.js';
import type { Target, TargetDeps } from '../types.js';
import { buildHttpBatchTarget } from '../shared/http-batch-target.js';
import { BULK_FILTER_PATH, frameBulkPair, joinBulkPairs } from './frame.js';
import { classifyBulkAnswer } from './classify.js';
import { authorization, secretsOf } from './auth.js';

/** Bulk answers list every item; with filter_path they stay small, but a large batch can still exceed 1 MiB. */
const MAX_BULK_RESPONSE_BYTES = 64 * 1_048_576;

export function buildElasticsearchTarget(config: ElasticsearchTargetConfig, deps: TargetDeps): Target {
  const bulkUrl = new URL(config.url);
  bulkUrl.pathname = `${bulkUrl.pathname.replace(/\/+$/, '')}/_bulk`;
  bulkUrl.searchParams.set('filter_path', BULK_FILTER_PATH);
  const secrets = secretsOf(config);
  return buildHttpBatchTarget(
    config,
    {
      type: 'elasticsearch',
      endpoint: bulkUrl,
      headers: {
        'content-type': 'application/x-ndjson',
        'user-agent': 'snyk-siem-forwarder',
        ...authorization(config),
      },
      maxResponseBytes: MAX_BULK_RESPONSE_BYTES,
      frame(record) {
        const piece = frameBulkPair(record, config.index);
        return { id: record.id, piece, bytes: Buffer.byteLength(piece, 'utf8') };
      },
      body: (items) => joinBulkPairs(items.map((item) => item.piece)),
      classify: (response, items, what) => classifyBulkAnswer(response, items, what, secrets),
    },
    deps,
  );
}
