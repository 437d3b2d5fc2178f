// The admin listener's Koa application: /metrics, /healthz, /readyz and the queue dashboard under /admin/queues.
import Koa from 'koa';
import type { Context } from 'koa';
import type { Logger } from 'winston';
import { answerProbe, type ProbeSources } from '../lifecycle/probe-answers.js';
import { bearerToken, tokensEqual } from './admin-auth.js';
import type { Scraped } from './scrape.js';

/** Where the dashboard is mounted (the basePath createDashboard is given). */
export const DASHBOARD_PATH = '/admin/queues';

export interface AdminAppDeps extends ProbeSources {
  scrape: () => Promise<Scraped>;
  /** The dashboard's middleware, or undefined when it is off (no token); read per request, a reload may replace it. */
  dashboard: () => Koa.Middleware | undefined;
  /** Set when /metrics needs `Authorization: Bearer <token>` (admin.metrics.requireToken). */
  metricsToken: string | undefined;
  logger: Logger;
}

function answer(ctx: Context, status: number, error: string, message: string): void {
  ctx.status = status;
  ctx.body = { error, message };
}

/** RFC 6750 §3: a refused bearer token is answered 401 with a challenge naming the scheme. */
function metricsAuthorized(ctx: Context, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = bearerToken(ctx.get('Authorization') || undefined);
  if (typeof presented === 'string' && tokensEqual(presented, token)) return true;
  ctx.set('WWW-Authenticate', 'Bearer realm="snyk-siem-forwarder metrics"');
  answer(
    ctx,
    401,
    'unauthorized',
    'Send Authorization: Bearer <admin token> (admin.metrics.requireToken is on).',
  );
  return false;
}

export function createAdminApp(deps: AdminAppDeps): Koa {
  const app = new Koa({ proxy: false });
  app.on('error', (error: Error) => deps.logger.warn('Admin connection error.', { error: error.message }));
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      deps.logger.error('Unexpected admin listener error.', { error: (error as Error).message });
      answer(ctx, 500, 'internal_error', 'internal error');
    }
  });
  app.use(async (ctx) => {
    if (ctx.path === '/metrics') {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        ctx.set('Allow', 'GET, HEAD');
        return answer(ctx, 405, 'method_not_allowed', 'method not allowed');
      }
      if (!metricsAuthorized(ctx, deps.metricsToken)) return;
      const { body, contentType } = await deps.scrape();
      ctx.body = body;
      // After the body, which would otherwise set text/plain without the format's version.
      ctx.set('Content-Type', contentType);
      return;
    }
    if (await answerProbe(ctx, deps)) return;
    if (ctx.path === DASHBOARD_PATH || ctx.path.startsWith(`${DASHBOARD_PATH}/`)) {
      const dashboard = deps.dashboard();
      if (dashboard === undefined) {
        return answer(
          ctx,
          404,
          'dashboard_off',
          'The queue dashboard is off: set admin.token (ADMIN_TOKEN) or admin.tokenFile, and restart.',
        );
      }
      return dashboard(ctx, async () => answer(ctx, 404, 'not_found', 'no such route'));
    }
    answer(ctx, 404, 'not_found', 'no such route');
  });
  return app;
}
