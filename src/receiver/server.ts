// The receiver's HTTP server: connection limits and timeouts, listening with operator-readable errors, draining stop.
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { ReceiverConfig } from '../config/schema.js';
import { StartupError } from '../errors.js';

/** Creates the server for the app with the receiver's limits, and listens on the configured address. */
export async function startReceiverServer(app: Koa, config: ReceiverConfig): Promise<Server> {
  const server = createServer(app.callback());
  server.requestTimeout = config.requestTimeoutMs;
  server.headersTimeout = Math.min(config.requestTimeoutMs, 20_000);
  // Above common load-balancer idle timeouts (60 s), so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  const listened = listen(server, config.port, config.host);
  server.listen(config.port, config.host);
  await listened;
  return server;
}

/** Listens, or turns the operator errors of listen(2) into one line that says how to fix them. */
async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      if (error.code === 'EADDRINUSE') {
        reject(
          new StartupError(
            'listen_failed',
            `${where} is already in use (EADDRINUSE): stop the other process on that port, or set PORT / receiver.port to a free one`,
          ),
        );
      } else if (error.code === 'EACCES') {
        reject(
          new StartupError(
            'listen_failed',
            `not allowed to listen on ${where} (EACCES): use a port above 1023, or grant CAP_NET_BIND_SERVICE`,
          ),
        );
      } else if (error.code === 'EADDRNOTAVAIL') {
        reject(
          new StartupError(
            'listen_failed',
            `${host} is not an address of this machine (EADDRNOTAVAIL): fix HOST / receiver.host`,
          ),
        );
      } else {
        reject(error);
      }
    });
  });
}

/** Stops accepting connections, lets in-flight requests finish until the deadline, then drops what is left. */
export async function closeServer(server: Server, graceMs: number): Promise<boolean> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let cut = false;
  const timer = setTimeout(
    () => {
      cut = true;
      server.closeAllConnections();
    },
    Math.max(graceMs, 0),
  );
  await closed;
  clearTimeout(timer);
  return !cut;
}
