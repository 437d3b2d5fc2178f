// The daemon's own logs: winston, JSON lines on stdout (readable text on a terminal), secrets scrubbed.
import winston from 'winston';
import type { Logger } from 'winston';
import { Syslog } from 'winston-syslog';
import { clientErrorListener, useStderrLog } from './client-errors.js';
import { SecretRegistry } from './redact.js';

export interface LoggerOptions {
  level: string;
  format: 'auto' | 'json' | 'text';
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  stream?: NodeJS.WritableStream;
  secrets?: SecretRegistry;
  /** Also send the daemon's own logs to a local syslog daemon (config `log.syslog`). */
  syslog?: {
    protocol: string;
    host: string;
    port: number;
    path?: string | undefined;
    appName: string;
    facility: string;
  };
}

export const secrets = new SecretRegistry();

export function createLogger(options: LoggerOptions): Logger {
  const registry = options.secrets ?? secrets;
  const scrub = winston.format((info) => {
    for (const key of Object.keys(info)) {
      if (key === 'level') continue;
      info[key] = registry.redactField(key, info[key]);
    }
    return info;
  });
  // winston formats a line before its transports compare levels (Logger#_transform), so a `debug` call at `info`
  // would still be scrubbed and serialised: lines below the logger's level are dropped first. The level is read at
  // each line, so a reload that changes it (logger.level) takes effect at once. Formats run only on lines logged after
  // createLogger returned, when `logger` is set.
  const enabled = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const stream = options.stream ?? process.stdout;
  const text =
    options.format === 'text' || (options.format === 'auto' && 'isTTY' in stream && stream.isTTY === true);
  const format = text
    ? winston.format.combine(
        enabled(),
        scrub(),
        winston.format.timestamp(),
        winston.format.printf(({ level, message, timestamp, ...rest }) => {
          const fields = Object.entries(rest)
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join(' ');
          return `${String(timestamp)} ${level.padEnd(5)} ${String(message)}${fields ? ` ${fields}` : ''}`;
        }),
      )
    : winston.format.combine(enabled(), scrub(), winston.format.timestamp(), winston.format.json());
  const transports: winston.transport[] = [new winston.transports.Stream({ stream })];
  if (options.syslog) {
    const { protocol, host, port, path, appName, facility } = options.syslog;
    // RFC 5424 framing, one message per line; the scrubbed JSON line is the message.
    const syslog = new Syslog({
      protocol,
      host,
      port,
      path,
      app_name: appName,
      facility,
      type: '5424',
      eol: '\n',
      format: winston.format.combine(scrub(), winston.format.json()),
    });
    transports.push(syslog as unknown as winston.transport);
  }
  const logger = winston.createLogger({
    level: options.level,
    format,
    transports,
    levels: winston.config.npm.levels,
  });
  // winston re-emits each transport's 'error' on the logger (winston/lib/winston/logger.js, _onEvent), where an 'error'
  // nobody listens to would throw: a syslog daemon that goes away must not stop the forwarder.
  logger.on('error', clientErrorListener('log_transport'));
  return logger;
}

// Client errors with no daemon attached, and those of a failing log transport, go to stderr, scrubbed as any line.
useStderrLog(() => createLogger({ level: 'warn', format: 'json', stream: process.stderr }));

/** Flushes the logger's transports before the process exits. */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    logger.on('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
