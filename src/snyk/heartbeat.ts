// The heartbeat: every interval, one process asks Snyk to ping each webhook of the configured orgs that points here.
import { hostname } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'winston';
import { settlesWithin } from '../lifecycle/close-within.js';
import type { SnykClient } from './client.js';
import { claimHeartbeatSlot, tieWebhooksToOrg } from './ping-store.js';
import { sameEndpoint } from './webhook-url.js';

export interface HeartbeatOptions {
  client: SnykClient;
  redis: Redis | Cluster;
  prefix: string;
  orgs: readonly string[];
  /** This forwarder's public webhook URL (snyk.webhookUrl); only webhooks pointing at it are pinged. */
  webhookUrl: string;
  intervalMs: number;
  logger: Logger;
  /** Names this process in the slot key, for whoever reads Redis. */
  owner?: string;
  now?: () => number;
  random?: () => number;
}

export interface Heartbeat {
  /** Resolves once a round that was running has ended (or was abandoned after a short wait). */
  stop(): Promise<void>;
}

/**
 * The slot of a time: intervals counted from the epoch, the same in every process whose clock is in step. A process
 * pings in a slot only after it claimed the slot in Redis, so however many processes run, each slot has one round.
 */
export function heartbeatSlot(nowMs: number, intervalMs: number): number {
  return Math.floor(nowMs / intervalMs);
}

/**
 * When the next round is due: in the next slot, at this process's offset into it. Computed from the clock each time
 * rather than by setInterval, whose late callbacks add up and would, over days, skip a slot.
 */
export function nextRoundDelay(nowMs: number, intervalMs: number, offsetMs: number): number {
  const next = (heartbeatSlot(nowMs, intervalMs) + 1) * intervalMs + offsetMs;
  return Math.max(0, next - nowMs);
}

/**
 * Starts the heartbeat: a round now, then one per slot. Snyk's ping goes through DNS, the Ingress, TLS and the receiver,
 * and each one received moves `snyk_last_ping_timestamp_seconds{org}`; the alert on that gauge catches a deleted
 * webhook, a broken Ingress or an expired certificate end to end.
 */
export function startHeartbeat(options: HeartbeatOptions): Heartbeat {
  const { client, redis, prefix, orgs, webhookUrl, intervalMs, logger } = options;
  const now = options.now ?? Date.now;
  const owner = options.owner ?? `${hostname()}:${process.pid}`;
  // Each process waits a different time into a slot, so the rounds of several processes do not start together; the
  // first one claims the slot and the others find it taken.
  const offsetMs = Math.floor((options.random ?? Math.random)() * Math.min(intervalMs / 5, 60_000));
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastSlot = -1;

  async function pingOrg(org: string): Promise<void> {
    const webhooks = await client.listWebhooks(org);
    const ours = webhooks.filter((webhook) => sameEndpoint(webhook.url, webhookUrl));
    await tieWebhooksToOrg(
      redis,
      prefix,
      org,
      ours.map((webhook) => webhook.id),
    );
    if (ours.length === 0) {
      logger.warn(
        `Heartbeat: org ${org} has no webhook pointing at ${webhookUrl}, so nothing pings this forwarder; create one with "snyk-siem-forwarder webhooks create --org ${org}".`,
        { org, webhooks: webhooks.length },
      );
      return;
    }
    for (const webhook of ours) await client.pingWebhook(org, webhook.id);
    logger.debug('Heartbeat: asked Snyk to ping.', { org, webhookIds: ours.map((webhook) => webhook.id) });
  }

  async function round(): Promise<void> {
    const slot = heartbeatSlot(now(), intervalMs);
    if (slot === lastSlot) return;
    lastSlot = slot;
    let claimed: boolean;
    try {
      // Expires after two slots: a process whose clock runs a little behind still finds the slot taken.
      claimed = await claimHeartbeatSlot(redis, prefix, slot, 2 * intervalMs, owner);
    } catch (error) {
      logger.warn('Heartbeat skipped: Redis did not answer.', { error: (error as Error).message });
      return;
    }
    if (!claimed) {
      logger.debug('Heartbeat: another process pings in this interval.', { slot });
      return;
    }
    for (const org of orgs) {
      if (stopped) return;
      try {
        await pingOrg(org);
      } catch (error) {
        // The client's errors are one line each and never hold the token.
        logger.warn(`Heartbeat: ${(error as Error).message}`, { org });
      }
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = round().finally(() => schedule(nextRoundDelay(now(), intervalMs, offsetMs)));
    }, delayMs);
  }

  schedule(0);
  logger.info('Heartbeat started.', { orgs, intervalSeconds: intervalMs / 1000, webhookUrl });
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // A round waits on Snyk for at most the client's timeout; a stop does not wait that long.
      await settlesWithin(running, 2000);
    },
  };
}
