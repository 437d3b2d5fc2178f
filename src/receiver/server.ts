// The receiver's HTTP server: connection limits and timeouts, listening with operator-readable errors, draining stop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Logger } from 'winston';
import type { ReceiverConfig } from '../config/schema.js';
import { StartupError } from '../errors.js';
import type { Counters } from '../telemetry/counters.js';
import { capConnections } from './connection-cap.js';
import { connectionCap, openFileLimit } from './fd-limit.js';
import { createShedLog, type ShedLog } from './shed-log.js';

/**
 * How often Node checks requestTimeout and headersTimeout. Its default is 30 s (Node docs, http.createServer option
 * `connectionsCheckingInterval`), so a slow client was cut off up to 30 s after its timeout; checked every second, it
 * is cut off at most a second late.
 */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1000;

/** The longest the header block may take; Node answers 408 past it (Node docs, `server.headersTimeout`). */
export const MAX_HEADERS_TIMEOUT_MS = 20_000;

export interface ReceiverServerOptions {
  logger: Logger;
  counters: Counters;
}

/** Written at stop, so the last minute's count of connections shed and not logged is never lost. */
const shedLogs = new WeakMap<Server, ShedLog>();

/** Creates the server for the app with the receiver's limits, and listens on the configured address. */
export async function startReceiverServer(
  app: Koa,
  config: ReceiverConfig,
  options: ReceiverServerOptions,
): Promise<Server> {
  const server = createServer({ connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS }, app.callback());
  server.requestTimeout = config.requestTimeoutMs;
  // Measured from the connection's start for its first request, so a connection that sends nothing is closed too.
  server.headersTimeout = Math.min(config.requestTimeoutMs, MAX_HEADERS_TIMEOUT_MS);
  // Above common load-balancer idle timeouts (60 s), so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;

  // Handled, a request with `Expect: 100-continue` gets no automatic interim answer (Node docs, 'checkContinue'): the
  // webhook route sends it only once the body is welcome (read-raw-body.ts), and every other answer is final.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));

  const fdLimit = openFileLimit();
  const max = connectionCap(config.maxConnections, fdLimit);
  if (max < config.maxConnections) {
    options.logger.warn(
      `receiver.maxConnections lowered from ${config.maxConnections} to ${max} to fit the open-file limit of ${fdLimit}; ` +
        'raise the limit (systemd LimitNOFILE=, ulimit -n) to allow more.',
    );
  }
  const shedLog = createShedLog(options.logger, config.rejectLogPerMinute, max);
  shedLogs.set(server, shedLog);
  capConnections(server, {
    max,
    onShed: (reason, remoteAddress) => {
      options.counters.increment('connections_shed_total', { reason });
      shedLog.record(reason, remoteAddress);
    },
  });

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
  shedLogs.get(server)?.flush();
  return !cut;
}
