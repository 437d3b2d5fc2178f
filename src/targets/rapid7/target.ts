// The Rapid7 InsightIDR target: builds the webhook, token-TLS or syslog transport from one configuration.
import { SendError } from '../../errors.js';
import { buildTlsOptions } from '../../net/tls.js';
import type { BatchLimits } from '../shared/batcher.js';
import { buildHttpBatchTarget } from '../shared/http-batch-target.js';
import { StreamConnection } from '../shared/stream-connection.js';
import { buildSyslogTarget } from '../syslog/target.js';
import type { Target, TargetDeps } from '../types.js';
import { classifyWebhookFailure, classifyWebhookResponse, scrub } from './classify.js';
import type { Rapid7TargetConfig } from './config.js';
import { frameWebhookItem, tokenLine, type WebhookItem } from './frame.js';
import {
  dataHost,
  parseHostPort,
  redactedUrl,
  TOKEN_TLS_PORT,
  webhookBase,
  webhookUrl,
  type Rapid7Region,
} from './endpoint.js';

/**
 * The webhook takes one entry per POST (https://docs.rapid7.com/insightops/insightops-webhook), so records travel
 * one per request, a few of one job at once: that keeps the latency of a large delivery low without flooding the
 * collector. A checkpoint rewrites the job in Redis, so delivered records are checkpointed only when the job fails.
 */
const WEBHOOK_BATCH: BatchLimits = {
  maxEvents: 1,
  maxBytes: Number.MAX_SAFE_INTEGER,
  maxWaitMs: 0,
  requestsPerJob: 8,
  checkpoint: 'on-failure',
};

export function buildRapid7Target(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  switch (config.transport) {
    case 'webhook':
      return webhookTarget(config, deps);
    case 'token-tls':
      return tokenTlsTarget(config, deps);
    case 'syslog':
      return syslogTransportTarget(config, deps);
  }
}

/** The schema guarantees a token for webhook and token-tls; this narrows it without a non-null assertion. */
function requireToken(config: Rapid7TargetConfig): string {
  if (config.token === undefined)
    throw new Error(`rapid7 target ${config.name}: token is required for ${config.transport}`);
  return config.token;
}

function requireRegion(config: Rapid7TargetConfig): Rapid7Region {
  if (config.region === undefined)
    throw new Error(`rapid7 target ${config.name}: region or endpoint is required`);
  return config.region;
}

function webhookTarget(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  const token = requireToken(config);
  const url = webhookUrl(config.endpoint ?? webhookBase(requireRegion(config)), token);
  return buildHttpBatchTarget<WebhookItem>(
    { ...config, url: url.href, batch: WEBHOOK_BATCH },
    {
      type: 'rapid7',
      what: `rapid7 target ${config.name} (webhook ${redactedUrl(url, token)})`,
      maxSockets: 16,
      maxResponseBytes: 4096,
      headers: ([item]): Record<string, string> => (item ? { 'content-type': item.contentType } : {}),
      frame: frameWebhookItem,
      body: ([item]) => item?.piece ?? '',
      classify: (response, _items, what) => classifyWebhookResponse(response, what, token),
      classifyFailure: (error, what) => classifyWebhookFailure(error, what, token),
    },
    deps,
  );
}

function tokenTlsTarget(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  const token = requireToken(config);
  const address = config.endpoint
    ? parseHostPort(config.endpoint)
    : { host: dataHost(requireRegion(config)), port: TOKEN_TLS_PORT };
  if (!address) throw new Error(`rapid7 target ${config.name}: endpoint must be host:port`);
  const connection = new StreamConnection({
    ...address,
    tls: buildTlsOptions(config.tls, address.host),
    timeoutMs: config.timeoutMs,
    settleMs: config.settleMs,
    what: `rapid7 target ${config.name} (token-tls ${address.host}:${address.port})`,
    logger: deps.logger,
  });
  return {
    name: config.name,
    type: 'rapid7',
    async send(batch, context) {
      if (batch.records.length === 0) return;
      const lines = batch.records.map((record) => tokenLine(token, record)).join('');
      try {
        await connection.write(Buffer.from(lines, 'utf8'), context.signal);
      } catch (error) {
        // The token is in every frame; a message must never carry one (belt and braces: frames are not in messages).
        throw error instanceof SendError ? scrub(error, token) : error;
      }
    },
    close: () => connection.close(),
  };
}

/** The collector's syslog listener is reached through the syslog target, over TLS only, with Rapid7's defaults. */
function syslogTransportTarget(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  const address = parseHostPort(config.endpoint ?? '');
  if (!address) throw new Error(`rapid7 target ${config.name}: endpoint must be host:port`);
  const inner = buildSyslogTarget(
    {
      ...address,
      name: config.name,
      protocol: 'tls',
      framing: config.framing ?? 'lf',
      rfc: config.rfc ?? 5424,
      facility: config.facility,
      appName: config.appName,
      tls: config.tls,
      timeoutMs: config.timeoutMs,
      settleMs: config.settleMs,
    },
    deps,
  );
  return { name: config.name, type: 'rapid7', send: inner.send, close: inner.close };
}
