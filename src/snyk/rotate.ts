// Secret rotation: a new secret accepted first, a new webhook with it, its ping verified, then the old webhook deleted.
import type { Cluster, Redis } from 'ioredis';
import { newWebhookSecret } from '../receiver/secret-file.js';
import { awaitPing } from './await-ping.js';
import type { SnykClient, SnykWebhook } from './client.js';
import { forgetWebhooks, readWebhookPing, snykKeys, tieWebhook } from './ping-store.js';
import { secretFingerprint } from './secret-fingerprint.js';
import { appendSecret, removeSecret } from './secret-store.js';
import { rotationUrl, sameEndpoint } from './webhook-url.js';

export interface RotateOptions {
  client: SnykClient;
  /** The forwarder's Redis, where the receivers record each ping and the secret that verified it. */
  redis: Redis | Cluster;
  prefix: string;
  org: string;
  /** The forwarder's webhook URL; the org's webhooks pointing at it are the old ones. */
  url: string;
  /** The secrets file the forwarder reads on reload. */
  secretFile: string;
  /** Makes every receiver read its secrets again; resolves once they should have. */
  reload: () => Promise<void>;
  timeoutMs: number;
  repingEveryMs?: number;
  /** Progress, one line at a time; never a secret. */
  say: (line: string) => void;
  now?: () => Date;
}

/** One line of the secrets file after the rotation, by fingerprint, with the webhooks its last pings verified. */
export interface SecretLine {
  line: number;
  fingerprint: string;
  isNew: boolean;
  /** Webhooks whose last recorded ping (within a week) this secret verified. */
  verified: string[];
}

export type RotateOutcome =
  | {
      status: 'rotated';
      created: SnykWebhook;
      deleted: SnykWebhook[];
      /** Old webhooks whose deletion failed, with the one-line reason. */
      notDeleted: Array<{ webhook: SnykWebhook; reason: string }>;
      secrets: SecretLine[];
    }
  | { status: 'unverified'; created: SnykWebhook; old: SnykWebhook[]; secrets: SecretLine[] };

async function secretLines(
  options: RotateOptions,
  secrets: readonly string[],
  fresh: string,
  webhookIds: readonly string[],
): Promise<SecretLine[]> {
  const tied = Object.keys(await options.redis.hgetall(snykKeys.webhookOrgs(options.prefix)));
  const verifiedBy = new Map<string, string[]>();
  for (const id of new Set([...tied, ...webhookIds])) {
    const ping = await readWebhookPing(options.redis, options.prefix, id);
    if (ping) verifiedBy.set(ping.secretFingerprint, [...(verifiedBy.get(ping.secretFingerprint) ?? []), id]);
  }
  return secrets.map((secret, index) => {
    const fingerprint = secretFingerprint(secret);
    return {
      line: index + 1,
      fingerprint,
      isNew: secret === fresh,
      verified: verifiedBy.get(fingerprint) ?? [],
    };
  });
}

/**
 * Rotates the secret of the org's webhook for this forwarder. Snyk has no update: "Rotation means creating a new
 * webhook (new secret), checking its ping, then deleting the old one" (https://docs.snyk.io/snyk-api/reference/webhooks-v1
 * lists no PATCH). The new secret is added to the accepted list and the receivers reload before the webhook exists,
 * since Snyk pings, and then delivers, at once; both webhooks deliver until the old one is deleted, each signed with
 * its own secret, and the receivers accept both.
 */
export async function rotateWebhook(options: RotateOptions): Promise<RotateOutcome> {
  const { client, org, say } = options;
  const existing = await client.listWebhooks(org);
  const old = existing.filter((webhook) => sameEndpoint(webhook.url, options.url));
  say(
    old.length === 0
      ? `Org ${org} has no webhook pointing at ${options.url} yet: this rotation only creates one.`
      : `Old webhook${old.length > 1 ? 's' : ''} of org ${org}: ${old.map((w) => `${w.id} (${w.url})`).join(', ')}.`,
  );

  const secret = newWebhookSecret();
  const fingerprint = secretFingerprint(secret);
  const secrets = appendSecret(options.secretFile, secret);
  say(
    `Added a new secret (fingerprint ${fingerprint}) to ${options.secretFile}: line ${secrets.length} of ${secrets.length}.`,
  );

  let created: SnykWebhook;
  try {
    await options.reload();
    const url = rotationUrl(
      options.url,
      existing.map((webhook) => webhook.url),
      options.now?.() ?? new Date(),
    );
    created = await client.createWebhook(org, { url, secret });
  } catch (error) {
    // No webhook uses the new secret: take it out again, so that a second attempt does not leave two behind.
    removeSecret(options.secretFile, secret);
    await options.reload().catch(() => undefined);
    say(`Took the new secret out of ${options.secretFile} again; nothing changed in Snyk.`);
    throw error;
  }
  await tieWebhook(options.redis, options.prefix, org, created.id);
  say(
    `Created webhook ${created.id} at ${created.url}; waiting for Snyk's ping to verify with the new secret.`,
  );

  const ping = await awaitPing({
    redis: options.redis,
    prefix: options.prefix,
    webhookId: created.id,
    fingerprint,
    timeoutMs: options.timeoutMs,
    repingEveryMs: options.repingEveryMs,
    reping: () => client.pingWebhook(org, created.id),
  });
  const ids = [...old.map((webhook) => webhook.id), created.id];
  if (ping === undefined)
    return { status: 'unverified', created, old, secrets: await secretLines(options, secrets, secret, ids) };
  say(
    `Snyk's ping of ${created.id} reached the forwarder at ${new Date(ping.at).toISOString()} and verified.`,
  );

  const deleted: SnykWebhook[] = [];
  const notDeleted: Array<{ webhook: SnykWebhook; reason: string }> = [];
  for (const webhook of old) {
    try {
      await client.deleteWebhook(org, webhook.id);
      deleted.push(webhook);
      say(`Deleted the old webhook ${webhook.id}.`);
    } catch (error) {
      notDeleted.push({ webhook, reason: (error as Error).message });
    }
  }
  // Read before the deleted webhooks' records are dropped: they say which secret the old webhook used.
  const lines = await secretLines(options, secrets, secret, ids);
  await forgetWebhooks(
    options.redis,
    options.prefix,
    deleted.map((webhook) => webhook.id),
  );
  return { status: 'rotated', created, deleted, notDeleted, secrets: lines };
}
