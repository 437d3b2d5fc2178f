// `snyk-siem-forwarder webhooks`: creates, lists, pings, deletes and rotates an org's Snyk webhooks through the v1 API.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import type { Cluster, Redis } from 'ioredis';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { waitForReady } from '../lifecycle/readiness.js';
import { openAdminRedis, type AdminRedis } from '../redis/admin-connection.js';
import { createProducerClient } from '../redis/connection.js';
import { SnykApiError } from '../snyk/api-error.js';
import { awaitPing } from '../snyk/await-ping.js';
import { createSnykClient, type SnykClient } from '../snyk/client.js';
import { readWebhookPing, tieWebhook } from '../snyk/ping-store.js';
import { SNYK_REGIONS } from '../snyk/regions.js';
import { rotateWebhook, type SecretLine } from '../snyk/rotate.js';
import { secretFingerprint } from '../snyk/secret-fingerprint.js';
import { cannotAddSecret, secretForNewWebhook, secretSource } from '../snyk/secret-store.js';
import { checkWebhookUrl, sameEndpoint } from '../snyk/webhook-url.js';
import { createLogger } from '../telemetry/logger.js';
import { parse, UsageError } from './args.js';
import { orgOption, requiredSnykToken } from './snyk-options.js';

export const WEBHOOKS_HELP = `Usage: snyk-siem-forwarder webhooks <list|create|ping|delete|rotate> [options]

Manages an organization's Snyk webhooks through Snyk's v1 API (Authorization: token $SNYK_TOKEN, or
the file SNYK_TOKEN_FILE names). SNYK_API_URL is the API host of your region: ${SNYK_REGIONS.map((r) => `${r.id} ${r.apiUrl}`).join(', ')}.
The token needs an org permission set with View Organization and View, Create and Remove Outbound
Webhooks, on a plan with API access. Nothing here prints a secret or the token.

  webhooks list [--org ORG] [--json]        The org's webhooks; "*" marks those pointing at --url
  webhooks create [--org ORG] [--url URL]   Register URL with the newest accepted secret (generated in
                                            $DATA_DIR/webhook-secret when none is configured), then wait
                                            for Snyk's ping to reach the forwarder and verify
  webhooks ping [--org ORG] ID              Ask Snyk to ping webhook ID, then wait for the forwarder to take it
  webhooks delete [--org ORG] ID            Delete webhook ID
  webhooks rotate [--org ORG] [--url URL]   Add a new secret to the accepted list and reload the forwarder,
                                            create a webhook with it, wait until its ping verifies with
                                            the new secret, then delete the old webhook

Options:
  -o, --org ORG            Organization ID (a UUID, in the org's settings in Snyk); default: the only
                           entry of snyk.orgs
  -u, --url URL            The forwarder's webhook URL, https (http only to a loopback address, for
                           local tests); default: snyk.webhookUrl
  -w, --wait SECONDS       create, ping: how long to wait for the ping (default 30; 0: do not wait)
  -t, --timeout SECONDS    rotate: how long to wait for the new webhook's ping (default 120)
      --secret-file FILE   rotate: the secrets file to add to (default: SNYK_WEBHOOK_SECRET_FILE, else
                           $DATA_DIR/webhook-secret when no secret is configured)
      --reload-pid PID     rotate: send SIGHUP to this forwarder process once the secret is added; repeat
                           it for every process that runs a receiver. Without it, rotate asks you to
                           reload (on a terminal) before it creates the webhook
      --json               list: one JSON object per webhook
  -c, --config FILE        Configuration (default: $FORWARDER_CONFIG, else ./forwarder.yaml if present)
  -h, --help               Show this help

Exit status: 0 done; 1 Snyk refused or failed (one line says why), or the ping did not arrive in
time; 2 a usage or configuration error. docs/snyk.md describes each step.
`;

const ACTIONS = ['list', 'create', 'ping', 'delete', 'rotate'] as const;
type Action = (typeof ACTIONS)[number];

/** Where the command writes and asks; tests spawn the built CLI and read both streams. */
interface Io {
  out(line: string): void;
  err(line: string): void;
}

const io: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

function seconds(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0 || number > 3600)
    throw new UsageError(`--${name} must be a number of seconds from 0 to 3600`);
  return number;
}

function urlOf(option: string | undefined, config: Readonly<Config>): string {
  const value = option ?? config.snyk.webhookUrl;
  if (value === undefined)
    throw new UsageError(
      "--url URL is required (the forwarder's public webhook URL; or set snyk.webhookUrl)",
    );
  const checked = checkWebhookUrl(value);
  if ('problem' in checked) throw new UsageError(`--url ${value}: ${checked.problem}`);
  return checked.url.toString();
}

function clientFor(config: Readonly<Config>): SnykClient {
  const token = requiredSnykToken(config);
  return createSnykClient({
    apiUrl: config.snyk.apiUrl,
    token,
    onRateLimitWait: (ms, operation) =>
      io.err(`Snyk is rate limiting; waiting ${Math.ceil(ms / 1000)} s before trying to ${operation} again.`),
  });
}

/** The forwarder's Redis (REDIS_URL, or the running embedded server), where the receivers record each ping. */
async function openForwarderRedis(
  config: Readonly<Config>,
): Promise<{ client: Redis | Cluster; admin: AdminRedis }> {
  const logger = createLogger({ level: 'warn', format: 'json', stream: process.stderr });
  const admin = await openAdminRedis(config, logger);
  const client = createProducerClient(admin.endpoint, 5000);
  // Failures surface as the rejections of the commands below.
  client.on('error', () => undefined);
  await waitForReady(client, 5000);
  return { client, admin };
}

async function closeRedis(redis: { client: Redis | Cluster; admin: AdminRedis }): Promise<void> {
  redis.client.disconnect();
  await redis.admin.close();
}

function describeSecretLines(lines: readonly SecretLine[], file: string): string[] {
  return lines.map((line) => {
    const use = line.isNew
      ? "the new webhook's secret: keep it"
      : line.verified.length > 0
        ? `last verified ${line.verified.join(', ')}`
        : 'no ping verified with it on record in the last 7 days';
    return `  ${file} line ${line.line} (fingerprint ${line.fingerprint}): ${use}`;
  });
}

async function list(
  client: SnykClient,
  org: string,
  url: string | undefined,
  json: boolean,
): Promise<number> {
  const webhooks = await client.listWebhooks(org);
  if (json) {
    for (const webhook of webhooks)
      io.out(JSON.stringify({ ...webhook, forwarder: url !== undefined && sameEndpoint(webhook.url, url) }));
    return 0;
  }
  if (webhooks.length === 0) {
    io.out(`Org ${org} has no webhooks.`);
    return 0;
  }
  const width = Math.max(2, ...webhooks.map((webhook) => webhook.id.length));
  io.out(`  ${'ID'.padEnd(width)}  URL`);
  for (const webhook of webhooks) {
    const mark = url !== undefined && sameEndpoint(webhook.url, url) ? '*' : ' ';
    io.out(`${mark} ${webhook.id.padEnd(width)}  ${webhook.url}`);
  }
  return 0;
}

async function create(
  client: SnykClient,
  config: Readonly<Config>,
  org: string,
  url: string,
  waitSeconds: number,
): Promise<number> {
  const { secret, where } = secretForNewWebhook(config, process.env);
  const created = await client.createWebhook(org, { url, secret });
  io.out(`Created webhook ${created.id} in org ${org} at ${created.url}, with ${where}.`);
  if (waitSeconds === 0) return 0;
  return confirmPing(client, config, org, created.id, waitSeconds, secretFingerprint(secret));
}

/**
 * Waits for the receivers to record a ping of the webhook: 0 when one arrived (verified with the secret of
 * `fingerprint`, when given), 1 when none did in time. Without the forwarder's Redis it cannot tell, says so, and
 * answers 0: what was asked of Snyk was done, and a script must not create the webhook twice.
 */
async function confirmPing(
  snyk: SnykClient,
  config: Readonly<Config>,
  org: string,
  id: string,
  waitSeconds: number,
  fingerprint: string | undefined,
  request?: () => Promise<void>,
): Promise<number> {
  let redis: { client: Redis | Cluster; admin: AdminRedis };
  try {
    redis = await openForwarderRedis(config);
  } catch (error) {
    if (request) await request();
    io.err(
      `Not waiting for Snyk's ping: the forwarder's Redis cannot be reached (${(error as Error).message}). Run this where the forwarder runs, with its configuration, to see the ping arrive.`,
    );
    return 0;
  }
  try {
    await tieWebhook(redis.client, config.redis.prefix, org, id);
    // With a request (`ping`), the ping on record before it does not count; a new webhook (`create`) has none
    // before, and its first ping may well be on record by now.
    const before = request ? await readWebhookPing(redis.client, config.redis.prefix, id) : undefined;
    if (request) await request();
    const ping = await awaitPing({
      redis: redis.client,
      prefix: config.redis.prefix,
      webhookId: id,
      fingerprint,
      before,
      timeoutMs: waitSeconds * 1000,
      reping: () => snyk.pingWebhook(org, id),
    });
    if (ping === undefined) {
      io.err(
        `No ping of webhook ${id} reached the forwarder within ${waitSeconds} s${fingerprint ? ' verified with that secret' : ''}. Check that Snyk can reach the URL (DNS, Ingress, TLS certificate) and the receiver's log (webhooks_received_total{outcome="bad_signature"} counts pings signed with a secret it does not accept).`,
      );
      return 1;
    }
    io.out(
      `Snyk's ping reached the forwarder at ${new Date(ping.at).toISOString()} and verified with the secret of fingerprint ${ping.secretFingerprint}.`,
    );
    return 0;
  } finally {
    await closeRedis(redis);
  }
}

/**
 * Why a process is not one to send SIGHUP to: SIGHUP ends a process that does not handle it (signal(7)), so a mistyped
 * PID must not reach another program. Checked where /proc tells the command line (proc(5)); elsewhere trusted.
 */
function notAForwarder(pid: number): string | undefined {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
  return /snyk-siem-forwarder|cli[/\\]main\.js/.test(cmdline) && /\bstart\b/.test(cmdline)
    ? undefined
    : `process ${pid} is not a running "snyk-siem-forwarder start"`;
}

/** Makes the receivers read the secrets file again: SIGHUP to the given processes, or the operator reloads. */
function reloader(pids: readonly number[]): () => Promise<void> {
  return async () => {
    if (pids.length > 0) {
      for (const pid of pids) {
        const problem = notAForwarder(pid);
        if (problem !== undefined) throw new UsageError(`--reload-pid ${pid}: ${problem}`);
      }
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGHUP');
        } catch (error) {
          throw new UsageError(
            `--reload-pid ${pid}: cannot signal it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
          );
        }
      }
      io.out(`Sent SIGHUP to ${pids.join(', ')}.`);
      // The reload reads the configuration and the file asynchronously; Snyk pings again later if it lost the race.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return;
    }
    if (process.stdin.isTTY !== true)
      throw new UsageError(
        'rotate needs --reload-pid PID for every forwarder process with a receiver, or a terminal to ask you to reload',
      );
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      await prompt.question(
        'Reload every forwarder process that runs a receiver now (systemctl reload snyk-siem-forwarder, or kill -HUP PID), then press Enter: ',
      );
    } finally {
      prompt.close();
    }
  };
}

async function rotate(
  client: SnykClient,
  config: Readonly<Config>,
  org: string,
  url: string,
  options: { timeoutSeconds: number; secretFile: string | undefined; pids: number[] },
): Promise<number> {
  const source = secretSource(config, process.env, options.secretFile);
  const refusal = cannotAddSecret(source);
  if (refusal !== undefined || !('file' in source)) throw new ConfigError([`webhooks rotate: ${refusal}`]);
  const redis = await openForwarderRedis(config).catch((error: unknown) => {
    throw new UsageError(
      `webhooks rotate: the forwarder's Redis cannot be reached (${(error as Error).message}); rotate waits there for Snyk's ping, so run it where the forwarder runs, with its configuration`,
    );
  });
  try {
    const outcome = await rotateWebhook({
      client,
      redis: redis.client,
      prefix: config.redis.prefix,
      org,
      url,
      secretFile: source.file,
      reload: reloader(options.pids),
      timeoutMs: options.timeoutSeconds * 1000,
      say: io.out,
    });
    if (outcome.status === 'unverified') {
      io.err(
        `No ping of the new webhook ${outcome.created.id} verified with the new secret within ${options.timeoutSeconds} s, so the old webhook was kept and both deliver. Check that every receiver reloaded (its log says "Configuration reloaded") and that Snyk reaches ${outcome.created.url}. Then either run "webhooks ping --org ${org} ${outcome.created.id}" until it verifies and delete the old webhook${outcome.old.length > 1 ? 's' : ''} (${outcome.old.map((webhook) => webhook.id).join(', ') || 'none'}), or delete the new one ("webhooks delete --org ${org} ${outcome.created.id}") and take its line out of ${source.file}.`,
      );
      for (const line of describeSecretLines(outcome.secrets, source.file)) io.err(line);
      return 1;
    }
    io.out(`Rotated: org ${org} now delivers through webhook ${outcome.created.id}. Accepted secrets:`);
    for (const line of describeSecretLines(outcome.secrets, source.file)) io.out(line);
    io.out(
      `Take out of ${source.file} the lines no other webhook uses any more (the deleted one's, once deliveries it may still have in flight have arrived), then reload the forwarder.`,
    );
    for (const { webhook, reason } of outcome.notDeleted)
      io.err(
        `The old webhook ${webhook.id} was not deleted: ${reason}. Delete it with "webhooks delete --org ${org} ${webhook.id}".`,
      );
    return outcome.notDeleted.length > 0 ? 1 : 0;
  } finally {
    await closeRedis(redis);
  }
}

export async function runWebhooks(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    org: { type: 'string', short: 'o' },
    url: { type: 'string', short: 'u' },
    wait: { type: 'string', short: 'w' },
    timeout: { type: 'string', short: 't' },
    'secret-file': { type: 'string' },
    'reload-pid': { type: 'string', multiple: true },
    json: { type: 'boolean' },
    config: { type: 'string', short: 'c' },
  });
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    process.stdout.write(WEBHOOKS_HELP);
    return values.help ? 0 : 2;
  }
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown webhooks action "${action}"; use one of ${ACTIONS.join(', ')}`);
  const needsId = action === 'ping' || action === 'delete';
  if (needsId && rest.length !== 1) throw new UsageError(`webhooks ${action} takes one webhook ID`);
  if (!needsId && rest.length > 0)
    throw new UsageError(`webhooks ${action} takes no arguments, got ${rest.join(' ')}`);
  const id = rest[0];
  const pids = (values['reload-pid'] ?? []).map((value) => {
    if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--reload-pid ${value}: not a process id`);
    return Number(value);
  });
  const waitSeconds = seconds(values.wait, 30, 'wait');
  const timeoutSeconds = seconds(values.timeout, 120, 'timeout');

  const { config } = loadConfig({ configFile: values.config });
  const org = orgOption(values.org, config.snyk.orgs, 'snyk.orgs');
  const client = clientFor(config);
  try {
    switch (action as Action) {
      case 'list':
        return await list(client, org, values.url ?? config.snyk.webhookUrl, values.json ?? false);
      case 'create':
        return await create(client, config, org, urlOf(values.url, config), waitSeconds);
      case 'ping': {
        const webhookId = id as string;
        if (waitSeconds === 0) {
          await client.pingWebhook(org, webhookId);
          io.out(`Snyk accepted the request to ping webhook ${webhookId}.`);
          return 0;
        }
        return await confirmPing(client, config, org, webhookId, waitSeconds, undefined, async () => {
          await client.pingWebhook(org, webhookId);
          io.out(`Snyk accepted the request to ping webhook ${webhookId}; waiting for the ping.`);
        });
      }
      case 'delete':
        await client.deleteWebhook(org, id as string);
        io.out(`Deleted webhook ${id as string} of org ${org}.`);
        return 0;
      case 'rotate':
        return await rotate(client, config, org, urlOf(values.url, config), {
          timeoutSeconds,
          secretFile: values['secret-file'],
          pids,
        });
    }
  } catch (error) {
    if (error instanceof SnykApiError) {
      io.err(`snyk-siem-forwarder: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    client.close();
  }
  return 2;
}
