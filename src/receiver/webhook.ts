// The webhook route: read raw bytes, verify the signature, check the event, enqueue, and answer 202 once stored.
import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Logger } from 'winston';
import type { ReceiverConfig } from '../config/schema.js';
import type { IngestProducer } from '../queue/ingest-producer.js';
import { secretFingerprint } from '../snyk/secret-fingerprint.js';
import type { Counters } from '../telemetry/counters.js';
import { eventLabel } from '../telemetry/series.js';
import { BodyBudget } from './body-budget.js';
import { ReceiverError, RETRY_AFTER_SECONDS } from './http-errors.js';
import { checkJsonObject, LARGE_OBJECT } from './json-object.js';
import { readRawBody } from './read-raw-body.js';
import { verifySignature } from './verify-signature.js';

/** What the receiver knows of a ping: the webhook that sent it, and which accepted secret verified it. */
export interface PingNote {
  /** The body's webhookId (`{"webhookId": "…"}`, Snyk's ping/v0) when it looks like an id. */
  webhookId: string | undefined;
  /** secretFingerprint() of the secret that verified it: `webhooks rotate` waits for the new secret's. */
  secretFingerprint: string;
}

export interface WebhookDeps {
  config: ReceiverConfig;
  secrets: () => readonly string[];
  producer: IngestProducer;
  redisReady: () => boolean;
  counters: Counters;
  logger: Logger;
  /** Notes an accepted ping for snyk_last_ping_timestamp_seconds{org} (snyk/ping-store.ts); not awaited. */
  notePing?: (ping: PingNote) => void;
}

/** The budget of unverified body bytes for one receiver, kept in the `unverified_body_bytes` gauge. */
export function createBodyBudget(config: ReceiverConfig, counters: Counters): BodyBudget {
  return new BodyBudget({
    budgetBytes: config.unverifiedBodyBudgetBytes,
    maxBodyBytes: config.maxBodyBytes,
    onChange: (delta) => counters.adjust('unverified_body_bytes', {}, delta),
  });
}

const SAFE_TRANSPORT_ID = /^[A-Za-z0-9._-]{1,128}$/;

function header(ctx: Context, name: string): string | undefined {
  const value = ctx.get(name);
  return value === '' ? undefined : value;
}

export function createWebhookHandler(deps: WebhookDeps) {
  const limits = { maxBytes: deps.config.maxBodyBytes, budget: createBodyBudget(deps.config, deps.counters) };
  return async function handleWebhook(ctx: Context): Promise<void> {
    let body: Buffer;
    try {
      body = await readRawBody(ctx.req, ctx.res, limits);
    } catch (error) {
      if (error instanceof ReceiverError && error.code === 'receiver_busy')
        deps.counters.increment('webhooks_shed_total');
      throw error;
    }
    const verdict = verifySignature(body, header(ctx, 'X-Hub-Signature'), deps.secrets());
    if (verdict === 'missing') throw new ReceiverError('missing_signature');
    if (verdict !== 'valid') throw new ReceiverError('invalid_signature');

    const event = header(ctx, 'X-Snyk-Event');
    if (event === undefined) throw new ReceiverError('missing_event');

    const payload = checkJsonObject(body);
    if (payload === undefined) throw new ReceiverError('invalid_json');

    const transportHeader = header(ctx, 'X-Snyk-Transport-ID');
    // The transport id is unsigned: keep it in records only when it looks like an id, else mint one.
    const transportId =
      transportHeader !== undefined && SAFE_TRANSPORT_ID.test(transportHeader)
        ? transportHeader
        : randomUUID();
    const log = deps.logger.child({ transportId, event: event.slice(0, 64) });

    // Answers from here on are counted here; the error answers before and after, by the error middleware (app.ts).
    const count = (outcome: 'accepted' | 'duplicate' | 'ping') =>
      deps.counters.increment('webhooks_received_total', { event: eventLabel(event), outcome });
    if (event.startsWith('ping/')) {
      count('ping');
      const webhookId = payload === LARGE_OBJECT ? undefined : payload['webhookId'];
      const safeId =
        typeof webhookId === 'string' && SAFE_TRANSPORT_ID.test(webhookId) ? webhookId : undefined;
      // Which secret verified it: tried one by one, like verifySignature, for pings only (a few a day).
      const signature = header(ctx, 'X-Hub-Signature');
      const secret = deps
        .secrets()
        .find((candidate) => verifySignature(body, signature, [candidate]) === 'valid');
      deps.notePing?.({ webhookId: safeId, secretFingerprint: secretFingerprint(secret ?? '') });
      log.info('Ping received.', { webhookId: safeId });
      ctx.status = 200;
      ctx.body = { status: 'ok', event };
      return;
    }

    if (!deps.redisReady()) {
      throw new ReceiverError(
        'queue_unavailable',
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        'the Redis connection is not ready',
      );
    }
    const bodySha256 = createHash('sha256').update(body).digest('hex');
    let deliveryId: string;
    let duplicate: boolean;
    try {
      // Deduplicated on the body hash alone: the transport id and timestamp are unsigned (ingest-producer.ts).
      ({ deliveryId, duplicate } = await deps.producer.enqueue({
        event,
        transportId,
        snykTimestamp: header(ctx, 'X-Snyk-Timestamp'),
        receivedAt: new Date().toISOString(),
        body: body.toString('utf8'),
        bodySha256,
      }));
    } catch (error) {
      // Logged by the error middleware's rate-limited rejection log: an outage under load must not flood the disk.
      throw new ReceiverError(
        'queue_unavailable',
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        `could not store the delivery: ${(error as Error).message}`,
      );
    }
    // A duplicate is answered as an acceptance (the sender must not retry it) but logged as what it is: nothing new
    // was stored, and no second set of records will follow.
    if (duplicate) {
      count('duplicate');
      log.info('Duplicate delivery; already stored.', { deliveryId, bytes: body.length });
    } else {
      count('accepted');
      log.info('Delivery accepted.', { deliveryId, bytes: body.length });
    }
    ctx.status = 202;
    ctx.body = { status: 'accepted', deliveryId };
  };
}
