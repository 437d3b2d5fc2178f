// `snyk-siem-forwarder reconcile`: compares Snyk's open issues (REST API) with what was forwarded and emits the difference.
import { Queue } from 'bullmq';
import { loadConfig } from '../config/load.js';
import { createRecordEmitter } from '../reconcile/emit.js';
import { reconcileOrg, ReconcileBusyError, type ReconcileSummary } from '../reconcile/run.js';
import { RECONCILE_QUEUE, queuePrefix } from '../queue/names.js';
import { openAdminRedis } from '../redis/admin-connection.js';
import { workerConnectionOptions } from '../redis/connection.js';
import { SnykApiError } from '../snyk/api-error.js';
import { createSnykRestClient } from '../snyk/rest-client.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';
import { orgOption, requiredSnykToken } from './snyk-options.js';

export const RECONCILE_HELP = `Usage: snyk-siem-forwarder reconcile --org ORG [--since DURATION] [--full] [--dry-run] [--json]

Compares the open issues Snyk's REST API lists for an organization with the findings the forwarder has
forwarded, and queues what no webhook delivered to every target, marked reconciled: an open issue never
forwarded as issue_introduced, a forwarded issue Snyk lists as resolved as issue_resolved. A second run
finds nothing more. An interrupted run resumes from its cursor when run again. Needs SNYK_TOKEN (or
SNYK_TOKEN_FILE) with View Organization, View Project and View Project Snapshot; SNYK_API_URL is the API
host of your region. docs/reconcile.md says what it detects and what it cannot.

Options:
  -o, --org ORG          Organization ID (a UUID, in the org's settings in Snyk); default: the only entry
                         of snyk.reconcile.orgs
  -s, --since DURATION   Only issues updated in the last DURATION (30m, 12h, 7d); default: since the last
                         completed run of the org, or every open issue when there was none
      --full             Every open issue, whatever the last run
      --dry-run          Count what would be emitted; queue nothing and change nothing
      --json             Print the summary as one JSON object
  -c, --config FILE      Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -h, --help             Show this help

Exit status: 0 done; 1 Snyk refused or failed (one line says why; run again to resume), or another run
of the org is in progress; 2 a usage or configuration error.
`;

const DAY_MS = 86_400_000;
const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS };

/** `30m`, `12h`, `7d`: a duration up to 400 days, in milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * (UNITS[match[2] as string] as number) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > 400 * DAY_MS)
    throw new UsageError(`--since ${text}: give a duration such as 30m, 12h or 7d (at most 400d)`);
  return ms;
}

function describe(summary: ReconcileSummary): string[] {
  const window =
    summary.mode === 'full'
      ? `every open issue (up to ${summary.until})`
      : `issues updated from ${summary.since} to ${summary.until}`;
  const verb = summary.dryRun ? 'would emit' : 'emitted';
  const queued = Object.entries(summary.queued)
    .map(([target, count]) => `${target} ${count}`)
    .join(', ');
  return [
    `Reconciled org ${summary.org}${summary.resumed ? ' (resumed from its cursor)' : ''}: ${window}.`,
    `${summary.projects} projects, ${summary.projectsBehind} tested after the last snapshot received; ${summary.issuesRead} issues read in ${summary.requests} API requests.`,
    `Missing from what was forwarded: ${summary.introduced} introduced, ${summary.resolved} resolved; ${verb} as reconciled records${queued === '' ? '' : ` (queued: ${queued})`}.`,
  ];
}

export async function runReconcile(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    org: { type: 'string', short: 'o' },
    since: { type: 'string', short: 's' },
    full: { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
  });
  if (values.help) {
    process.stdout.write(RECONCILE_HELP);
    return 0;
  }
  if (positionals.length > 0)
    throw new UsageError(`reconcile takes no arguments, got ${positionals.join(' ')}`);
  if (values.full && values.since !== undefined) throw new UsageError('give --since or --full, not both');
  const sinceMs = values.since === undefined ? undefined : parseDuration(values.since);

  const { config } = loadConfig({ configFile: values.config });
  const org = orgOption(values.org, config.snyk.reconcile.orgs, 'snyk.reconcile.orgs');
  const token = requiredSnykToken(config);

  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });
  const rest = createSnykRestClient({
    apiUrl: config.snyk.apiUrl,
    token,
    onWait: (ms, reason) => process.stderr.write(`Waiting ${Math.ceil(ms / 1000)} s: ${reason}.\n`),
  });
  // Records wait in the targets' queues of the forwarder's Redis for its workers, as webhook records do.
  const admin = await openAdminRedis(config, logger, 'write');
  const connection = workerConnectionOptions(admin.endpoint);
  const queue = new Queue(RECONCILE_QUEUE, {
    connection,
    prefix: queuePrefix(config.redis.prefix, RECONCILE_QUEUE),
  });
  // Failures surface as the rejections of the commands the run sends.
  queue.on('error', () => undefined);
  const emitter = values['dry-run'] ? undefined : createRecordEmitter({ connection, config });
  try {
    const summary = await reconcileOrg({
      org,
      rest,
      redis: await queue.backend.client,
      prefix: config.redis.prefix,
      emitter,
      since: sinceMs === undefined ? undefined : new Date(Date.now() - sinceMs).toISOString(),
      full: values.full === true,
      logger,
    });
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else for (const line of describe(summary)) process.stdout.write(`${line}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SnykApiError || error instanceof ReconcileBusyError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await emitter?.close();
    await queue.close().catch(() => undefined);
    rest.close();
    await admin.close();
  }
}
