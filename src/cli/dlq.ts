// `snyk-siem-forwarder dlq`: lists, shows, replays and purges dead letters (each target queue's failed set).
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../config/load.js';
import { openDeadLetters, type DeadLetter } from '../queue/dead-letters.js';
import { openAdminRedis } from '../redis/admin-connection.js';
import { workerConnectionOptions } from '../redis/connection.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';

export const DLQ_HELP = `Usage: snyk-siem-forwarder dlq <list|show|replay|purge> [options]

Dead letters are target jobs that a target rejected permanently or that ran out of retries, kept
with their reason in that target's queue; the "ingest" queue holds deliveries whose payload could
not be understood. Each reason has a code (docs/errors.md says what it means and what to do), its
message, the attempts made and the times of the first and last failure. Replaying keeps every
record id, so a SIEM can still drop duplicates.

  dlq list [--target T]                  List dead letters (all queues, or one target, or "ingest")
  dlq show ID                            Print one dead letter, its reason and its records or payload
  dlq replay ID... [--target T]          Retry the given dead letters (of T only, with --target)
  dlq replay --target T                  Retry every dead letter of one queue
  dlq replay --all [--target T]          Retry every dead letter
  dlq purge ID... [--target T]           Delete the given dead letters for good
  dlq purge --target T                   Delete every dead letter of one queue
  dlq purge --all [--target T]           Delete every dead letter

replay and purge do nothing without IDs, --target or --all (exit 2). On a terminal they list what
they would touch and ask before they start; where they cannot ask (a script, CI, systemd), they
need --yes. --dry-run lists what they would touch and changes nothing.

Options:
  -t, --target T     A target's name, or "ingest"
  -c, --config FILE  Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
      --all          With replay or purge: every dead letter (of --target's queue, if given)
  -y, --yes          With replay or purge: go ahead without asking
  -n, --dry-run      With replay or purge: list what would be touched, change nothing
      --json         With list and --dry-run: one JSON object per line
  -h, --help         Show this help
`;

/** Where the command reads answers and writes output; tests pass their own. */
export interface DlqIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether someone can answer a question: stdin is a terminal. */
  interactive: boolean;
  ask(question: string): Promise<string>;
}

function terminalIo(): DlqIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    interactive: process.stdin.isTTY === true,
    async ask(question) {
      const prompt = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await prompt.question(question);
      } finally {
        prompt.close();
      }
    },
  };
}

function row(letter: DeadLetter): string {
  return [
    letter.id,
    letter.queue,
    letter.failedAt ?? '-',
    String(letter.attempts),
    String(letter.records),
    letter.reason.code,
    letter.reason.message,
  ].join('\t');
}

function printLetters(io: DlqIo, letters: readonly DeadLetter[], json: boolean): void {
  if (json) {
    for (const letter of letters) io.stdout.write(`${JSON.stringify(letter)}\n`);
    return;
  }
  io.stdout.write(`ID\tQUEUE\tFAILED-AT\tATTEMPTS\tRECORDS\tCODE\tREASON\n`);
  for (const letter of letters) io.stdout.write(`${row(letter)}\n`);
}

/** "3 dead letter(s) (a: 2, ingest: 1)": what a confirmation question names. */
function summary(letters: readonly DeadLetter[]): string {
  const perQueue = new Map<string, number>();
  for (const letter of letters) perQueue.set(letter.queue, (perQueue.get(letter.queue) ?? 0) + 1);
  const parts = [...perQueue].map(([queue, count]) => `${queue}: ${count}`).join(', ');
  return `${letters.length} dead letter(s) (${parts})`;
}

interface ChangeOptions {
  action: 'replay' | 'purge';
  ids: readonly string[];
  target: string | undefined;
  all: boolean;
  yes: boolean;
  dryRun: boolean;
}

/**
 * The rules for the commands that change the queues, checked before anything connects: say what (IDs, one queue,
 * or --all), and confirm (a terminal asks; elsewhere --yes) unless it is a dry run.
 */
function checkChange(options: ChangeOptions, io: DlqIo): void {
  const { action } = options;
  if (options.all && options.ids.length > 0) {
    throw new UsageError(`dlq ${action} takes IDs or --all, not both`);
  }
  if (!options.all && options.ids.length === 0 && options.target === undefined) {
    throw new UsageError(
      `dlq ${action} needs to know which dead letters: give their IDs, --target T for one queue, or --all`,
    );
  }
  if (!options.yes && !options.dryRun && !io.interactive) {
    throw new UsageError(
      `dlq ${action} changes the dead-letter queues and cannot ask for confirmation here (stdin is not a ` +
        `terminal): add --yes to go ahead, or --dry-run to list what it would ${action}`,
    );
  }
}

export async function runDlq(argv: string[], io: DlqIo = terminalIo()): Promise<number> {
  const { values, positionals } = parse(argv, {
    target: { type: 'string', short: 't' },
    config: { type: 'string', short: 'c' },
    all: { type: 'boolean' },
    yes: { type: 'boolean', short: 'y' },
    'dry-run': { type: 'boolean', short: 'n' },
    json: { type: 'boolean' },
  });
  const [action, ...ids] = positionals;
  if (values.help || action === undefined) {
    io.stdout.write(DLQ_HELP);
    return values.help ? 0 : 2;
  }
  if (action !== 'list' && action !== 'show' && action !== 'replay' && action !== 'purge')
    throw new UsageError(`unknown dlq action "${action}"`);
  if (action === 'list' && ids.length > 0) throw new UsageError('dlq list takes no IDs; use dlq show ID');
  if (action === 'show' && ids.length !== 1) throw new UsageError('dlq show takes exactly one ID');
  const change = action === 'replay' || action === 'purge';
  if (!change && (values.yes || values['dry-run'] || values.all))
    throw new UsageError('--all, --yes and --dry-run apply to dlq replay and dlq purge');
  if (change) {
    checkChange(
      {
        action,
        ids,
        target: values.target,
        all: values.all === true,
        yes: values.yes === true,
        dryRun: values['dry-run'] === true,
      },
      io,
    );
  }

  const { config } = loadConfig({ configFile: values.config });
  const logger = createLogger({ level: 'warn', format: 'json', stream: io.stderr });
  const redis = await openAdminRedis(config, logger);
  const store = openDeadLetters({
    connection: workerConnectionOptions(redis.endpoint),
    prefix: config.redis.prefix,
    targets: config.targets.map((target) => target.name),
  });
  try {
    if (action === 'list') {
      const letters = await store.list(values.target);
      printLetters(io, letters, values.json === true);
      if (!values.json) io.stdout.write(`${letters.length} dead letter(s)\n`);
      return 0;
    }
    if (action === 'show') {
      const found = await store.show(ids[0] as string);
      if (!found) {
        io.stderr.write(`no dead letter with id ${ids[0]}\n`);
        return 1;
      }
      io.stdout.write(`${JSON.stringify({ ...found.letter, data: found.data }, null, 2)}\n`);
      return 0;
    }

    // checkChange made sure of a choice: IDs, or else --all or --target (every dead letter of that queue).
    const selected = await store.select(values.target, ids.length > 0 ? ids : 'all');
    const reportMissing = (missing: readonly string[]) => {
      for (const id of missing) io.stderr.write(`no dead letter with id ${id}\n`);
    };
    const verb = action === 'replay' ? 'replayed' : 'purged';
    if (values['dry-run']) {
      printLetters(io, selected.letters, values.json === true);
      if (!values.json) io.stdout.write(`would ${action} ${selected.letters.length} dead letter(s)\n`);
      reportMissing(selected.missing);
      return selected.missing.length > 0 ? 1 : 0;
    }
    if (selected.letters.length > 0 && !values.yes) {
      printLetters(io, selected.letters, false);
      const question =
        action === 'purge'
          ? `Delete ${summary(selected.letters)} for good? [y/N] `
          : `Replay ${summary(selected.letters)}? [y/N] `;
      const answer = (await io.ask(question)).trim().toLowerCase();
      if (answer !== 'y' && answer !== 'yes') {
        io.stdout.write(`nothing ${verb}\n`);
        return 1;
      }
    }
    const done =
      action === 'replay'
        ? await store.replay(selected.letters).then((r) => ({ ids: r.replayed, missing: r.missing }))
        : await store.purge(selected.letters).then((r) => ({ ids: r.purged, missing: r.missing }));
    io.stdout.write(`${verb} ${done.ids.length} dead letter(s)\n`);
    const missing = [...selected.missing, ...done.missing];
    reportMissing(missing);
    return missing.length > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('no target named'))
      throw new UsageError(error.message);
    throw error;
  } finally {
    await store.close();
    await redis.close();
  }
}
