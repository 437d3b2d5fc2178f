// `snyk-siem-forwarder start`: runs the receiver and/or workers until SIGTERM or SIGINT, then stops cleanly.
import { loadConfig } from '../config/load.js';
import { startDaemon, type Role } from '../daemon.js';
import { closeLogger, createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';
import { superviseDaemon } from './signals.js';

export const START_HELP = `Usage: snyk-siem-forwarder start [--config FILE] [--role all|receiver|worker]

Runs the forwarder. With no REDIS_URL it starts an embedded redis-server under $DATA_DIR/redis;
with no targets it writes records to $DATA_DIR/out/findings.ndjson; with no webhook secret it
generates one in $DATA_DIR/webhook-secret.

Options:
  -c, --config FILE   YAML configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -r, --role ROLE     all (default): receiver and workers; receiver: only accept webhooks; worker: only deliver
  -h, --help          Show this help
`;

const ROLES: readonly Role[] = ['all', 'receiver', 'worker'];

export async function runStart(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: 'string', short: 'c' },
    role: { type: 'string', short: 'r', default: 'all' },
  });
  if (values.help) {
    process.stdout.write(START_HELP);
    return 0;
  }
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);

  const { config, source } = loadConfig({ configFile: values.config });
  const logger = createLogger({
    level: config.log.level,
    format: config.log.format,
    syslog: config.log.syslog,
  });
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
    loadAgain: () => loadConfig({ configFile: values.config }).config,
  });
  await closeLogger(logger);
  return code;
}
