// Waits, bounded, until the receivers record a ping from one webhook, verified with the expected secret.
import type { Cluster, Redis } from 'ioredis';
import { readWebhookPing, type WebhookPing } from './ping-store.js';

export interface AwaitPingOptions {
  redis: Redis | Cluster;
  prefix: string;
  webhookId: string;
  /** Only a ping verified with the secret of this fingerprint counts; any does when undefined. */
  fingerprint?: string | undefined;
  /** The webhook's ping on record before the request: it does not count (clocks of two hosts need not agree). */
  before?: WebhookPing | undefined;
  timeoutMs: number;
  /** Asks Snyk for another ping: a receiver that took its new secret late refused the first. */
  reping?: () => Promise<void>;
  repingEveryMs?: number;
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The ping once recorded; undefined when the deadline passed first. Errors of `reping` end the wait. */
export async function awaitPing(options: AwaitPingOptions): Promise<WebhookPing | undefined> {
  const deadline = Date.now() + options.timeoutMs;
  const repingEvery = options.repingEveryMs ?? 10_000;
  let lastRequest = Date.now();
  for (;;) {
    const ping = await readWebhookPing(options.redis, options.prefix, options.webhookId);
    const fresh = ping !== undefined && (options.before === undefined || ping.at !== options.before.at);
    if (fresh && (options.fingerprint === undefined || ping.secretFingerprint === options.fingerprint))
      return ping;
    if (Date.now() >= deadline) return undefined;
    if (options.reping && Date.now() - lastRequest >= repingEvery) {
      lastRequest = Date.now();
      await options.reping();
    }
    await sleep(Math.min(options.pollMs ?? 250, Math.max(0, deadline - Date.now())));
  }
}
