// Snyk pings in Redis: the last ping per org, the last ping of each webhook (and which secret verified it), the heartbeat lock.
import type { Cluster, Redis } from 'ioredis';
import { snykContactKey, snykPingByOrgKey } from '../queue/queue-stats.js';

/**
 * The org label of pings from a webhook that no heartbeat or `webhooks create` has tied to an org: the ping/v0 body is
 * only `{"webhookId": …}` (https://docs.snyk.io/snyk-api/how-to-use-snyk-webhooks-apis/webhooks), so the org of a
 * ping is known only through the webhook id.
 */
export const OTHER_ORG = 'other';

/** How long the last ping of one webhook is kept: long enough for `webhooks ping` and `rotate` to read it back. */
const WEBHOOK_PING_TTL_SECONDS = 7 * 24 * 3600;

/** A webhook id as the v1 API issues them (UUIDs); anything else is not used in a key name. */
export const SAFE_WEBHOOK_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Every key is `<prefix>:snyk:…`, which cannot meet a BullMQ key (`<prefix>:<queue>:…`, queues `ingest` and
 * `target-…`); with a hash-tag prefix such as `{snyk-siem}` they all share one Redis Cluster slot, so the script below
 * may touch them together.
 */
export const snykKeys = {
  lastPing: (prefix: string) => snykContactKey(prefix, 'ping'),
  lastPingByOrg: snykPingByOrgKey,
  webhookOrgs: (prefix: string) => `${prefix}:snyk:webhook-orgs`,
  webhookPing: (prefix: string, webhookId: string) => `${prefix}:snyk:ping:${webhookId}`,
  heartbeatSlot: (prefix: string, slot: number) => `${prefix}:snyk:heartbeat:${slot}`,
};

export interface PingReceipt {
  /** The body's webhookId when it is a safe id; undefined otherwise. */
  webhookId: string | undefined;
  /** secretFingerprint() of the secret that verified the signature. */
  secretFingerprint: string;
}

/**
 * One ping, atomically: the time of the last ping (the unlabelled time `queue stats` shows), the time of the org's
 * last ping (the org the webhook is tied to, else "other"), and the webhook's own last ping with the fingerprint of
 * the secret that verified it. Returns the org.
 */
const RECORD_PING = `
redis.call('SET', KEYS[1], ARGV[2])
local org = false
if ARGV[1] ~= '' then org = redis.call('HGET', KEYS[2], ARGV[1]) end
if not org then org = ARGV[5] end
redis.call('HSET', KEYS[3], org, ARGV[2])
if ARGV[1] ~= '' then redis.call('SET', KEYS[4], ARGV[2] .. ' ' .. ARGV[3], 'EX', ARGV[4]) end
return org`;

const COMMAND = 'forwarderRecordSnykPing';
type WithRecord = (Redis | Cluster) &
  Record<typeof COMMAND, (...args: Array<string | number>) => Promise<string>>;

export function recordPing(
  client: Redis | Cluster,
  prefix: string,
  ping: PingReceipt,
  nowMs = Date.now(),
): Promise<string> {
  // EVALSHA, falling back to EVAL when Redis does not know the script yet (ioredis defineCommand).
  if (!(COMMAND in client)) client.defineCommand(COMMAND, { numberOfKeys: 4, lua: RECORD_PING });
  const id = ping.webhookId !== undefined && SAFE_WEBHOOK_ID.test(ping.webhookId) ? ping.webhookId : '';
  return (client as WithRecord)[COMMAND](
    snykKeys.lastPing(prefix),
    snykKeys.webhookOrgs(prefix),
    snykKeys.lastPingByOrg(prefix),
    snykKeys.webhookPing(prefix, id === '' ? '-' : id),
    id,
    String(nowMs),
    ping.secretFingerprint,
    WEBHOOK_PING_TTL_SECONDS,
    OTHER_ORG,
  );
}

export interface WebhookPing {
  /** Epoch ms of the receipt. */
  at: number;
  secretFingerprint: string;
}

/** The last ping the receivers took from one webhook, within the last week; undefined when none. */
export async function readWebhookPing(
  client: Redis | Cluster,
  prefix: string,
  webhookId: string,
): Promise<WebhookPing | undefined> {
  if (!SAFE_WEBHOOK_ID.test(webhookId)) return undefined;
  const raw = await client.get(snykKeys.webhookPing(prefix, webhookId));
  const [at, fingerprint] = (raw ?? '').split(' ');
  if (!at || !fingerprint || !Number.isFinite(Number(at))) return undefined;
  return { at: Number(at), secretFingerprint: fingerprint };
}

/**
 * Ties webhooks to their org, so that their pings count for that org: `ids` are all of the org's webhooks that
 * point at this forwarder; ties of the org to other webhooks (deleted since) are dropped.
 */
export async function tieWebhooksToOrg(
  client: Redis | Cluster,
  prefix: string,
  org: string,
  ids: readonly string[],
): Promise<void> {
  const key = snykKeys.webhookOrgs(prefix);
  const current = await client.hgetall(key);
  const stale = Object.entries(current)
    .filter(([id, owner]) => owner === org && !ids.includes(id))
    .map(([id]) => id);
  const multi = client.multi();
  if (stale.length > 0) multi.hdel(key, ...stale);
  for (const id of ids) if (SAFE_WEBHOOK_ID.test(id)) multi.hset(key, id, org);
  await multi.exec();
}

/** Ties one new webhook to its org, before Snyk's pings of it arrive (`webhooks create`, `rotate`). */
export async function tieWebhook(
  client: Redis | Cluster,
  prefix: string,
  org: string,
  id: string,
): Promise<void> {
  if (SAFE_WEBHOOK_ID.test(id)) await client.hset(snykKeys.webhookOrgs(prefix), id, org);
}

/** Forgets deleted webhooks: their tie to an org and their last ping. */
export async function forgetWebhooks(
  client: Redis | Cluster,
  prefix: string,
  ids: readonly string[],
): Promise<void> {
  const safe = ids.filter((id) => SAFE_WEBHOOK_ID.test(id));
  if (safe.length === 0) return;
  await client
    .multi()
    .hdel(snykKeys.webhookOrgs(prefix), ...safe)
    .del(...safe.map((id) => snykKeys.webhookPing(prefix, id)))
    .exec();
}

/**
 * Claims one heartbeat slot for `owner` (SET NX, https://redis.io/docs/latest/commands/set/): of all the processes
 * sharing this Redis, only the first to claim a slot pings. The key expires after `ttlMs`.
 */
export async function claimHeartbeatSlot(
  client: Redis | Cluster,
  prefix: string,
  slot: number,
  ttlMs: number,
  owner: string,
): Promise<boolean> {
  const reply = await client.set(snykKeys.heartbeatSlot(prefix, slot), owner, 'PX', ttlMs, 'NX');
  return reply === 'OK';
}
