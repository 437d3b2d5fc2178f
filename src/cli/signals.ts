// Runs a started daemon until it should stop: SIGTERM/SIGINT stop it, SIGHUP reloads, a fatal error exits non-zero.
import type { Logger } from 'winston';
import type { Config } from '../config/schema.js';
import type { Daemon } from '../daemon.js';
import { ConfigError } from '../errors.js';

export interface SuperviseOptions {
  daemon: Daemon;
  logger: Logger;
  /** Reads and checks the configuration again, from the same sources as at start; throws ConfigError when invalid. */
  loadAgain: () => Promise<Readonly<Config>> | Readonly<Config>;
}

/**
 * Signals a daemon handles. Every other catchable signal that ends a process by default would also orphan the
 * embedded redis-server; SIGQUIT is treated as a stop too (signal(7), "Standard signals").
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGQUIT'];

/** Resolves the exit code: 0 after a requested stop, 1 after a fatal error. */
export async function superviseDaemon(options: SuperviseOptions): Promise<number> {
  const { daemon, logger } = options;
  const handlers: Array<[NodeJS.Signals, (signal: NodeJS.Signals) => void]> = [];

  const onHup = () => {
    logger.info('SIGHUP: reloading the configuration.');
    void (async () => {
      let next: Readonly<Config>;
      try {
        next = await options.loadAgain();
      } catch (error) {
        const problems = error instanceof ConfigError ? error.problems : [(error as Error).message];
        logger.error(
          'Configuration reload refused: the new configuration is invalid; still running on the old one.',
          {
            problems,
          },
        );
        return;
      }
      const outcome = await daemon.reload(next);
      if (outcome.status === 'unchanged') logger.info('Configuration reloaded: nothing changed.');
      else if (outcome.status === 'refused')
        logger.warn(
          `Configuration reload refused: ${outcome.reason}. Still running on the old configuration.`,
        );
    })();
  };
  process.on('SIGHUP', onHup);

  type StopReason = { kind: 'signal'; signal: NodeJS.Signals } | { kind: 'fatal'; message: string };
  const reason = await new Promise<StopReason>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        logger.warn('Second signal: exiting without waiting.', { signal });
        process.exit(1);
      }
      resolve({ kind: 'signal', signal });
    };
    for (const signal of STOP_SIGNALS) {
      handlers.push([signal, onSignal]);
      process.on(signal, onSignal);
    }
    daemon.onFatal((message) => resolve({ kind: 'fatal', message }));
  });

  if (reason.kind === 'signal') logger.info('Shutting down.', { signal: reason.signal });
  else
    logger.error('Shutting down after a fatal error; the service manager should restart the forwarder.', {
      reason: reason.message,
    });
  // After a fatal error Redis is gone: active jobs cannot be completed, so there is no grace period to wait out.
  const report = await daemon.stop(reason.kind === 'fatal' ? { graceMs: 1000 } : {});
  process.off('SIGHUP', onHup);
  // A late SIGHUP must not kill the process with its default action while the last lines are written.
  process.on('SIGHUP', () => undefined);
  for (const [signal, handler] of handlers) process.off(signal, handler);
  if (report.clean) logger.info('Stopped cleanly.', { steps: report.steps });
  else logger.warn('Stopped, but not everything closed on its own in time.', { steps: report.steps });
  // A stop that had to abort jobs is still a requested stop: those jobs are retried, so only a fatal error fails.
  return reason.kind === 'fatal' ? 1 : 0;
}
