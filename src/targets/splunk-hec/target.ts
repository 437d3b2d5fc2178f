// The Splunk HEC target: batches of event envelopes to /services/collector/event, optionally confirmed by indexer acks.
import { randomUUID } from 'node:crypto';
import type { SplunkHecTargetConfig } from './config.js';
import type { TargetDeps } from '../types.js';
import type { Target } from '../types.js';
import { createBatcher, type BatchItem } from '../shared/batcher.js';
import { httpRequest, httpTargetBase } from '../shared/http-request.js';
import { classifyHecResponse, parseHecReply } from './classify.js';
import { frameHecEvent, joinHecEvents } from './frame.js';
import { waitForAck } from './ack.js';

/** Joins the base URL (which may carry a path prefix behind a proxy) and an HEC endpoint path. */
function endpoint(base: URL, path: string, query?: Record<string, string>): URL {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url;
}

export function buildSplunkHecTarget(config: SplunkHecTargetConfig, deps: TargetDeps): Target {
  const { url: base, what, agent } = httpTargetBase('splunk-hec', config, deps.logger);
  // One channel per target instance: Splunk tracks ackIds per channel, and a channel is cheap.
  const channel = randomUUID();
  const eventUrl = endpoint(base, '/services/collector/event');
  const ackUrl = endpoint(base, '/services/collector/ack', { channel });
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

  const batcher = createBatcher({
    ...config.batch,
    maxInFlight: config.concurrency,
    what,
    async flush(items, signal) {
      const response = await httpRequest({
        url: eventUrl,
        agent,
        headers,
        body: joinHecEvents(items.map((item) => item.piece)),
        timeoutMs: config.timeoutMs,
        signal,
      });
      const error = classifyHecResponse(response, what, [config.token]);
      if (error) throw error;
      if (!config.ack.enabled) return undefined;
      const ackId = parseHecReply(response.body)?.ackId;
      if (ackId === undefined) {
        // HTTP 200 means Splunk took the events; dead-lettering them now would only create duplicates on redrive.
        if (!warnedNoAckId) {
          warnedNoAckId = true;
          deps.logger.warn(
            'ack.enabled but Splunk returned no ackId: enable indexer acknowledgement on the HEC token',
            {
              target: config.name,
            },
          );
        }
        return undefined;
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
      return undefined;
    },
  });

  return {
    name: config.name,
    type: 'splunk-hec',
    async send(batch, context) {
      const items: BatchItem[] = batch.records.map((record) => {
        const piece = frameHecEvent(record, meta);
        return { id: record.id, piece, bytes: Buffer.byteLength(piece, 'utf8') + 1 };
      });
      await batcher.send(items, context);
    },
    async close() {
      await batcher.close();
      agent.destroy();
    },
  };
}
