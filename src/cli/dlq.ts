// `snyk-siem-forwarder dlq`: lists, shows, replays and purges dead letters (each target queue's failed set).
import { loadConfig } from '../config/load.js';
import { openDeadLetters, type DeadLetter } from '../queue/dead-letters.js';
import { openAdminRedis } from '../redis/admin-connection.js';
import { workerConnectionOptions } from '../redis/connection.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';

export const DLQ_HELP = `Usage: snyk-siem-forwarder dlq <list|show|replay|purge> [options]

Dead letters are delivery jobs that a target rejected permanently or that ran out of retries, kept
with their reason in that target's queue; the "ingest" queue holds deliveries whose payload could
not be understood. Replaying keeps every record id, so a SIEM can still drop duplicates.

  dlq list [--target T]                 List dead letters (all queues, or one target, or "ingest")
  dlq show ID                           Print one dead letter with its records or payload
  dlq replay [--target T] --all         Retry every dead letter (of one target)
  dlq replay [--target T] ID...         Retry the given dead letters
  dlq purge [--target T]                Delete dead letters for good

Options:
  -t, --target T     A target's name, or "ingest"
  -c, --config FILE  Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
      --all          With replay: every dead letter
      --json         With list: one JSON object per line
  -h, --help         Show this help
`;

function row(letter: DeadLetter): string {
  return [
    letter.id,
    letter.queue,
    letter.failedAt ?? '-',
    String(letter.attempts),
    String(letter.records),
    letter.reason,
  ].join('\t');
}

export async function runDlq(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    target: { type: 'string', short: 't' },
    config: { type: 'string', short: 'c' },
    all: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const [action, ...ids] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(DLQ_HELP);
    return values.help ? 0 : 2;
  }
  if (!['list', 'show', 'replay', 'purge'].includes(action))
    throw new UsageError(`unknown dlq action "${action}"`);
  if (action === 'show' && ids.length !== 1) throw new UsageError('dlq show takes exactly one ID');
  if (action === 'replay' && !values.all && ids.length === 0)
    throw new UsageError('dlq replay needs --all or IDs');

  const { config } = loadConfig({ configFile: values.config });
  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });
  const redis = await openAdminRedis(config, logger);
  const store = openDeadLetters({
    connection: workerConnectionOptions(redis.url, config.redis.url ? config.redis.tls : undefined),
    prefix: config.redis.prefix,
    targets: config.targets.map((target) => target.name),
  });
  try {
    if (action === 'list') {
      const letters = await store.list(values.target);
      if (values.json) {
        for (const letter of letters) process.stdout.write(`${JSON.stringify(letter)}\n`);
      } else {
        process.stdout.write(`ID\tQUEUE\tFAILED-AT\tATTEMPTS\tRECORDS\tREASON\n`);
        for (const letter of letters) process.stdout.write(`${row(letter)}\n`);
        process.stdout.write(`${letters.length} dead letter(s)\n`);
      }
      return 0;
    }
    if (action === 'show') {
      const found = await store.show(ids[0] as string);
      if (!found) {
        process.stderr.write(`no dead letter with id ${ids[0]}\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify({ ...found.letter, data: found.data }, null, 2)}\n`);
      return 0;
    }
    if (action === 'replay') {
      const { replayed, missing } = await store.replay(values.target, values.all ? 'all' : ids);
      process.stdout.write(`replayed ${replayed.length} dead letter(s)\n`);
      for (const id of missing) process.stderr.write(`no dead letter with id ${id}\n`);
      return missing.length > 0 ? 1 : 0;
    }
    const removed = await store.purge(values.target);
    process.stdout.write(`purged ${removed} dead letter(s)\n`);
    return 0;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('no target named'))
      throw new UsageError(error.message);
    throw error;
  } finally {
    await store.close();
    await redis.close();
  }
}
