// The Rapid7 InsightIDR target: builds the webhook, token-TLS or syslog transport from one configuration.
import { SendError } from '../../errors.js';
import type { TargetDeps } from '../types.js';
import { buildTlsOptions } from '../../net/tls.js';
import { syslogTargetSchema } from '../syslog/config.js';
import { StreamConnection } from '../syslog/connection.js';
import { buildSyslogTarget } from '../syslog/target.js';
import type { Target } from '../types.js';
import { scrub } from './classify.js';
import type { Rapid7TargetConfig } from './config.js';
import { tokenLine } from './frame.js';
import {
  dataHost,
  parseHostPort,
  redactedUrl,
  TOKEN_TLS_PORT,
  webhookBase,
  webhookUrl,
  type Rapid7Region,
} from './endpoint.js';
import { WebhookSender } from './webhook.js';

export function buildRapid7Target(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  if (config.tls?.rejectUnauthorized === false) {
    deps.logger.warn(
      `rapid7 target ${config.name}: TLS certificate verification is OFF (tls.rejectUnauthorized: false)`,
    );
  }
  switch (config.transport) {
    case 'webhook':
      return webhookTarget(config);
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

function webhookTarget(config: Rapid7TargetConfig): Target {
  const token = requireToken(config);
  const url = webhookUrl(config.endpoint ?? webhookBase(requireRegion(config)), token);
  const what = `rapid7 target ${config.name} (webhook ${redactedUrl(url, token)})`;
  const sender = new WebhookSender({ url, token, tls: config.tls, timeoutMs: config.timeoutMs, what });
  return {
    name: config.name,
    type: 'rapid7',
    async send(batch, context) {
      if (batch.records.length === 0) return;
      await sender.send(batch, context);
    },
    close: () => sender.close(),
  };
}

function tokenTlsTarget(config: Rapid7TargetConfig, deps: TargetDeps): Target {
  const token = requireToken(config);
  const address = config.endpoint
    ? parseHostPort(config.endpoint)
    : { host: dataHost(requireRegion(config)), port: TOKEN_TLS_PORT };
  if (!address) throw new Error(`rapid7 target ${config.name}: endpoint must be host:port`);
  const what = `rapid7 target ${config.name} (token-tls ${address.host}:${address.port})`;
  const connection = new StreamConnection({
    host: address.host,
    port: address.port,
    tls: buildTlsOptions(config.tls, address.host),
    timeoutMs: config.timeoutMs,
    settleMs: config.settleMs,
    what,
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
  const syslogConfig = syslogTargetSchema.parse({
    name: config.name,
    type: 'syslog',
    format: config.format,
    filter: config.filter,
    concurrency: config.concurrency,
    rateLimit: config.rateLimit,
    enabled: config.enabled,
    host: address.host,
    port: address.port,
    protocol: 'tls',
    framing: config.framing ?? 'lf',
    rfc: config.rfc ?? 5424,
    facility: config.facility,
    appName: config.appName,
    tls: config.tls,
    timeoutMs: config.timeoutMs,
    settleMs: config.settleMs,
  });
  const inner = buildSyslogTarget(syslogConfig, deps);
  return { name: config.name, type: 'rapid7', send: inner.send, close: inner.close };
}
