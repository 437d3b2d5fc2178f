// The admin listener's queue dashboard: bull-board over the forwarder's queues, behind the admin token (admin-auth.ts).
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type { Queue } from 'bullmq';
import type Koa from 'koa';
import type { Logger } from 'winston';
import { adminAuth } from './admin-auth.js';

export interface DashboardOptions {
  /** Every queue shown: `ingest` and each `target-<name>`. */
  queues: Queue[];
  /** The admin token; without one the dashboard is off. */
  token: string | undefined;
  /** admin.dashboard.readOnly: no retry, promote, clean or remove (bull-board answers those 405). */
  readOnly: boolean;
  basePath: '/admin/queues';
  logger: Logger;
}

/**
 * Builds the dashboard's middleware, or returns undefined (with one warn line) when no token is configured: bull-board
 * has no authentication of its own and can retry, clean and remove jobs, so it is never served open
 * (https://github.com/felixmosh/bull-board/blob/master/website/docs/configuration/production-checklist.md).
 */
export function createDashboard(options: DashboardOptions): { middleware: Koa.Middleware } | undefined {
  const { queues, token, readOnly, basePath, logger } = options;
  if (token === undefined || token === '') {
    logger.warn(
      'Queue dashboard disabled: no admin token. Set admin.token (or ADMIN_TOKEN, or admin.tokenFile / ' +
        `ADMIN_TOKEN_FILE) to serve it at ${basePath} on the admin listener.`,
    );
    return undefined;
  }

  const serverAdapter = new KoaAdapter();
  serverAdapter.setBasePath(basePath);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: readOnly })),
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'snyk-siem-forwarder',
        miscLinks: [{ text: 'Log out', url: `${basePath}/logout` }],
      },
    },
  });
  // The board (its own Koa app under koa-mount) only ever sees requests the token check let through.
  const board = serverAdapter.registerPlugin();
  const auth = adminAuth({ token, basePath, logger });
  logger.info('Queue dashboard enabled.', { path: basePath, queues: queues.length, readOnly });
  return { middleware: (ctx, next) => auth(ctx, () => board(ctx, next)) };
}
