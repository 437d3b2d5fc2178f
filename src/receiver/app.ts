// The receiver's Koa application: JSON errors, the webhook route, and health and readiness probes.
import Koa from 'koa';
import type { Context, Next } from 'koa';
import type { Logger } from 'winston';
import { ReceiverError, RECEIVER_ERRORS } from './http-errors.js';
import { createRejectLog, type RejectLog } from './reject-log.js';
import { createWebhookHandler, type WebhookDeps } from './webhook.js';

export interface ReceiverAppDeps extends WebhookDeps {
  /** Where rejections are logged; the daemon flushes its last summary when the receiver stops. */
  rejectLog?: RejectLog;
  shuttingDown: () => boolean;
  /** Liveness: false once the process cannot recover by itself and should be restarted. */
  health: () => { ok: boolean; reason?: string | undefined };
  /** Readiness: a real round trip to Redis on every connection of this process. */
  readiness: () => Promise<{
    ready: boolean;
    checks: ReadonlyArray<{ name: string; ok: boolean; detail?: string }>;
  }>;
}

function errorMiddleware(logger: Logger, rejectLog: RejectLog) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (error) {
      const known = error instanceof ReceiverError ? error : undefined;
      const code = known?.code ?? 'internal_error';
      if (!known) logger.error('Unexpected receiver error.', { error });
      else rejectLog.record(ctx, known);
      ctx.status = RECEIVER_ERRORS[code].status;
      ctx.set(known?.headers ?? {});
      ctx.body = { error: code, message: RECEIVER_ERRORS[code].message };
    }
  };
}

export function createReceiverApp(deps: ReceiverAppDeps): Koa {
  const app = new Koa({ proxy: false });
  const handleWebhook = createWebhookHandler(deps);
  app.on('error', (error: Error) => deps.logger.warn('Receiver connection error.', { error: error.message }));
  app.use(
    errorMiddleware(
      deps.logger,
      deps.rejectLog ?? createRejectLog(deps.logger, deps.config.rejectLogPerMinute),
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
    if (ctx.method === 'GET' && ctx.path === '/healthz') {
      const health = deps.health();
      ctx.status = health.ok ? 200 : 503;
      ctx.body = health.ok ? { status: 'ok' } : { status: 'failed', reason: health.reason };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/readyz') {
      const { ready, checks } = await deps.readiness();
      ctx.status = ready ? 200 : 503;
      ctx.body = {
        status: ready ? 'ready' : 'unavailable',
        redis: checks.every((check) => check.ok || !check.name.includes('redis')) ? 'up' : 'down',
        checks,
      };
      return;
    }
    throw new ReceiverError('not_found');
  });
  return app;
}
