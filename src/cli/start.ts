// `snyk-siem-forwarder start`: runs the receiver and/or workers until SIGTERM or SIGINT; SIGHUP reloads.
import { loadConfig } from '../config/load.js';
import { preflight } from '../config/preflight.js';
import { startDaemon, type Role } from '../daemon.js';
import { captureConsole } from '../telemetry/console-capture.js';
import { closeLogger, createLogger } from '../telemetry/logger.js';
import { configFileArgument, parse, UsageError } from './args.js';
import { superviseDaemon } from './signals.js';

export const START_HELP = `Usage: snyk-siem-forwarder start [FILE | --config FILE] [--role all|receiver|worker]

Runs the forwarder. With no REDIS_URL it starts an embedded redis-server under $DATA_DIR/redis;
with no targets it writes records to $DATA_DIR/out/findings.ndjson; with no webhook secret it
generates one in $DATA_DIR/webhook-secret. Before starting anything it runs the checks "validate"
runs, and exits 2 listing every problem.

Signals: SIGTERM, SIGINT or SIGQUIT stop it cleanly; SIGHUP reloads targets, webhook secrets, log level
and retry settings from the same sources (a change to any other key is refused and needs a restart).

Arguments:
  FILE                YAML configuration (the same as --config FILE)

Options:
  -c, --config FILE   YAML configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -r, --role ROLE     all (default): receiver and workers; receiver: only accept webhooks; worker: only deliver
  -h, --help          Show this help
`;

const ROLES: readonly Role[] = ['all', 'receiver', 'worker'];

export async function runStart(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    config: { type: 'string', short: 'c' },
    role: { type: 'string', short: 'r', default: 'all' },
  });
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const configFile = configFileArgument(values.config, positionals);

  const { config, source } = loadConfig({ configFile });
  // The checks validate runs: every problem listed at once, before anything starts.
  await preflight(config);
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    syslog: config.log.syslog,
  });
  // From here on, what BullMQ, ioredis and Node print is a log line too, so stdout stays one JSON object per line.
  const printed = captureConsole(logger);
  logger.info('Starting snyk-siem-forwarder.', {
    role,
    config: source ?? '(defaults and environment)',
    pid: process.pid,
  });

  process.on('unhandledRejection', (reason) => logger.error('Unhandled rejection.', { reason }));
  const daemon = await startDaemon({ config, role, logger });
  const code = await superviseDaemon({
    daemon,
    logger,
    // A reload passes the same checks as a start, so a bad CA file is refused before anything is replaced.
    loadAgain: async () => {
      const next = loadConfig({ configFile }).config;
      await preflight(next);
      return next;
    },
  });
  printed.restore();
  await closeLogger(logger);
  return code;
}
