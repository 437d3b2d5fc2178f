// Serves createDashboard in a bare Koa app on 127.0.0.1 (port 0) for the dashboard's integration and browser tests.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createDashboard, type DashboardOptions } from '../../src/admin/dashboard.js';

export const BASE_PATH = '/admin/queues';

export interface ServedDashboard {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  origin: string;
  close(): Promise<void>;
}

/**
 * The dashboard mounted as the admin listener mounts it, plus GET /outside (answers "outside"), which shows that
 * requests outside the base path pass the token check untouched. `proxy` trusts X-Forwarded-Proto (Koa `app.proxy`).
 */
export async function serveDashboard(
  options: Omit<DashboardOptions, 'basePath'> & { proxy?: boolean },
): Promise<ServedDashboard> {
  const { proxy = false, ...dashboardOptions } = options;
  const dashboard = createDashboard({ ...dashboardOptions, basePath: BASE_PATH });
  if (!dashboard) throw new Error('serveDashboard: createDashboard returned undefined (no token?)');
  const app = new Koa();
  app.proxy = proxy;
  app.silent = true;
  app.use(dashboard.middleware);
  app.use((ctx) => {
    if (ctx.path === '/outside') ctx.body = 'outside';
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
