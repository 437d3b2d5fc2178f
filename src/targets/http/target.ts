// The generic HTTP target: batches records into NDJSON or JSON-array requests over a keep-alive agent.
import type { HttpTargetConfig } from './config.js';
import type { TargetDeps } from '../types.js';
import type { Target } from '../types.js';
import { createBatcher, type BatchItem } from '../shared/batcher.js';
import { secretHeaderValues } from '../shared/http-body.js';
import { compileRetryOn } from '../shared/classify-http.js';
import { httpRequest, httpTargetBase } from '../shared/http-request.js';
import { classifyCollectorResponse } from './classify.js';
import { contentTypeFor, frameHttpPiece, httpPieceBytes, joinHttpPieces } from './frame.js';

export function buildHttpTarget(config: HttpTargetConfig, deps: TargetDeps): Target {
  const { url, what, agent } = httpTargetBase('http', config, deps.logger);
  const retryOn = compileRetryOn(config.retryOn);
  const encoding = config.encoding;
  // Configured headers win over the defaults, except the framing headers that config validation refuses.
  const headers: Record<string, string> = {
    'content-type': contentTypeFor(encoding),
    'user-agent': 'snyk-siem-forwarder',
    ...config.headers,
  };
  const secrets = secretHeaderValues(config.headers);

  const batcher = createBatcher({
    ...config.batch,
    maxInFlight: config.concurrency,
    what,
    async flush(items, signal) {
      const response = await httpRequest({
        url,
        agent,
        method: config.method,
        headers,
        body: joinHttpPieces(
          items.map((item) => item.piece),
          encoding,
        ),
        gzip: config.gzip,
        timeoutMs: config.timeoutMs,
        signal,
      });
      const error = classifyCollectorResponse(response, retryOn, what, secrets);
      if (error) throw error;
      return undefined;
    },
  });

  return {
    name: config.name,
    type: 'http',
    async send(batch, context) {
      const items: BatchItem[] = batch.records.map((record) => {
        const piece = frameHttpPiece(record, encoding);
        return { id: record.id, piece, bytes: httpPieceBytes(piece, encoding) };
      });
      await batcher.send(items, context);
    },
    async close() {
      await batcher.close();
      agent.destroy();
    },
  };
}
