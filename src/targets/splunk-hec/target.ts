// The Splunk HEC target: batches of event envelopes to /services/collector/event, optionally confirmed by indexer acks.
import { randomUUID } from 'node:crypto';
import type { SplunkHecTargetConfig } from './config.js';
import type { Target, TargetDeps } from '../types.js';
import { buildHttpBatchTarget } from '../shared/http-batch-target.js';
import { classifyHecResponse, parseHecReply } from './classify.js';
import { frameHecEvent, joinHecEvents } from './frame.js';
import { waitForAck } from './ack.js';

/** Joins the base URL (which may carry a path prefix behind a proxy) and an HEC endpoint path. */
function endpoint(base: string, path: string, query?: Record<string, string>): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url;
}

export function buildSplunkHecTarget(config: SplunkHecTargetConfig, deps: TargetDeps): Target {
  // One channel per target instance: Splunk tracks ackIds per channel, and a channel is cheap.
  const channel = randomUUID();
  const ackUrl = endpoint(config.url, '/services/collector/ack', { channel });
  const headers: Record<string, string> = {
    authorization: `Splunk ${config.token}`,
    'content-type': 'application/json',
    'user-agent': 'snyk-siem-forwarder',
    ...(config.ack.enabled ? { 'x-splunk-request-channel': channel } : {}),
  };
  const meta = {
    index: config.index,
    source: config.source,
    sourcetype: config.sourcetype,
    host: config.host,
  };
  let warnedNoAckId = false;

  return buildHttpBatchTarget(
    config,
    {
      type: 'splunk-hec',
      endpoint: endpoint(config.url, '/services/collector/event'),
      headers,
      frame(record) {
        const piece = frameHecEvent(record, meta);
        return { id: record.id, piece, bytes: Buffer.byteLength(piece, 'utf8') + 1 };
      },
      body: (items) => joinHecEvents(items.map((item) => item.piece)),
      classify: (response, _items, what) => classifyHecResponse(response, what, [config.token]),
      async confirm(response, { agent, what, signal }) {
        if (!config.ack.enabled) return;
        const ackId = parseHecReply(response.body)?.ackId;
        if (ackId === undefined) {
          // HTTP 200 means Splunk took the events; dead-lettering them now would only create duplicates on redrive.
          if (!warnedNoAckId) {
            warnedNoAckId = true;
            deps.logger.warn(
              'ack.enabled but Splunk returned no ackId: enable indexer acknowledgement on the HEC token',
              { target: config.name },
            );
          }
          return;
        }
        await waitForAck(ackId, {
          ackUrl,
          agent,
          headers,
          pollIntervalMs: config.ack.pollIntervalMs,
          timeoutMs: config.ack.timeoutMs,
          requestTimeoutMs: config.timeoutMs,
          signal,
          what,
          secrets: [config.token],
        });
      },
    },
    deps,
  );
}
