// The receiver's Koa application: JSON errors, the webhook route, and health and readiness probes.
import Koa from 'koa';
import type { Context, Next } from 'koa';
import type { Logger } from 'winston';
import { answerProbe, type ProbeSources } from '../lifecycle/probe-answers.js';
import type { Counters } from '../telemetry/counters.js';
import { eventLabel, OUTCOME_OF_ERROR } from '../telemetry/series.js';
import { ReceiverError, RECEIVER_ERRORS } from './http-errors.js';
import { lingerAfterAnswer, lingerBounds, type LingerBounds } from './lingering-close.js';
import { createRejectLog, type RejectLog } from './reject-log.js';
import { createWebhookHandler, type WebhookDeps } from './webhook.js';

export interface ReceiverAppDeps extends WebhookDeps, ProbeSources {
  /** Where rejections are logged; the daemon flushes its last summary when the receiver stops. */
  rejectLog?: RejectLog;
  shuttingDown: () => boolean;
}

function errorMiddleware(logger: Logger, rejectLog: RejectLog, counters: Counters, webhookPath: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const known = error instanceof ReceiverError ? error : undefined;
      const code = known?.code ?? 'internal_error';
      if (!known) logger.error('Unexpected receiver error.', { error });
      else rejectLog.record(ctx, known);
      // Every 4xx answer, by code. A 503 is no rejection: the sender retries it (outcome "unavailable").
      if (known && known.status >= 400 && known.status < 500)
        counters.increment('webhooks_rejected_total', { code: known.code });
      if (ctx.path === webhookPath)
        counters.increment('webhooks_received_total', {
          event: eventLabel(ctx.get('X-Snyk-Event') || undefined),
          outcome: OUTCOME_OF_ERROR[code],
        });
      ctx.status = RECEIVER_ERRORS[code].status;
      ctx.set(known?.headers ?? {});
      ctx.body = { error: code, message: RECEIVER_ERRORS[code].message };
    }
  };
}

/**
 * A request answered before its body arrived in full (an early 413 or 503, a 404 with a body) is answered with
 * `Connection: close`, and its connection is closed gracefully rather than reset (lingering-close.ts). Without the
 * close, Node would keep reading the rest of the body for the next request on that connection, with no bound.
 */
function closeUnreadBodies(bounds: LingerBounds) {
  return async (ctx: Context, next: Next): Promise<void> => {
    await next();
    if (ctx.req.complete) return;
    ctx.set('Connection', 'close');
    lingerAfterAnswer(ctx.req, bounds);
  };
}

export function createReceiverApp(deps: ReceiverAppDeps): Koa {
  const app = new Koa({ proxy: false });
  const handleWebhook = createWebhookHandler(deps);
  app.on('error', (error: Error) => deps.logger.warn('Receiver connection error.', { error: error.message }));
  app.use(closeUnreadBodies(lingerBounds(deps.config.maxBodyBytes)));
  app.use(
    errorMiddleware(
      deps.logger,
      deps.rejectLog ?? createRejectLog(deps.logger, deps.config.rejectLogPerMinute),
      deps.counters,
      deps.config.path,
    ),
  );
  app.use(async (ctx) => {
    if (ctx.path === deps.config.path) {
      if (ctx.method !== 'POST') {
        ctx.set('Allow', 'POST');
        throw new ReceiverError('method_not_allowed');
      }
      if (deps.shuttingDown()) {
        ctx.set('Connection', 'close');
        throw new ReceiverError(
          'queue_unavailable',
          { 'Retry-After': '5', Connection: 'close' },
          'shutting down',
        );
      }
      await handleWebhook(ctx);
      return;
    }
    if (await answerProbe(ctx, deps)) return;
    throw new ReceiverError('not_found');
  });
  return app;
}
