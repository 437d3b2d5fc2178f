// The generic HTTP target: batches of records as NDJSON or one JSON array per request, to any collector.
import type { HttpTargetConfig } from './config.js';
import type { Target, TargetDeps } from '../types.js';
import { compileRetryOn } from '../shared/classify-http.js';
import { secretHeaderValues } from '../shared/http-body.js';
import { buildHttpBatchTarget } from '../shared/http-batch-target.js';
import { classifyCollectorResponse } from './classify.js';
import { contentTypeFor, frameHttpPiece, httpPieceBytes, joinHttpPieces } from './frame.js';

export function buildHttpTarget(config: HttpTargetConfig, deps: TargetDeps): Target {
  const retryOn = compileRetryOn(config.retryOn);
  const encoding = config.encoding;
  const secrets = secretHeaderValues(config.headers);
  return buildHttpBatchTarget(
    config,
    {
      type: 'http',
      method: config.method,
      // Configured headers win over the defaults, except the framing headers that config validation refuses.
      headers: {
        'content-type': contentTypeFor(encoding),
        'user-agent': 'snyk-siem-forwarder',
        ...config.headers,
      },
      gzip: config.gzip,
      frame(record) {
        const piece = frameHttpPiece(record, encoding);
        return { id: record.id, piece, bytes: httpPieceBytes(piece, encoding) };
      },
      body: (items) =>
        joinHttpPieces(
          items.map((item) => item.piece),
          encoding,
        ),
      classify: (response, _items, what) => classifyCollectorResponse(response, retryOn, what, secrets),
    },
    deps,
  );
}
