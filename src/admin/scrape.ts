// One /metrics scrape: the shared queue state read from Redis (cached), set into the gauges, then every metric rendered.
import type { Logger } from 'winston';
import type { ForwarderStats } from '../queue/queue-stats.js';
import { pingSeries } from '../snyk/ping-series.js';
import type { Counters } from '../telemetry/counters.js';

export interface ScrapeOptions {
  counters: Counters;
  /** The queue state, cached for about a second (queue/queue-stats.ts cachedQueueStats). */
  stats: () => Promise<ForwarderStats>;
  logger: Logger;
  /** Orgs the heartbeat pings (snyk.orgs while it runs): each gets its own snyk_last_ping_timestamp_seconds series. */
  heartbeatOrgs?: readonly string[];
}

export interface Scraped {
  body: string;
  contentType: string;
}

function dropQueueGauges(counters: Counters): void {
  counters.forget('queue_jobs');
  counters.forget('queue_oldest_waiting_age_seconds');
  counters.forget('dead_letters');
}

function setQueueGauges(counters: Counters, stats: ForwarderStats, heartbeatOrgs: readonly string[]): void {
  // Dropped first, so that a queue no longer configured (a target removed by a reload) stops being exported.
  dropQueueGauges(counters);
  for (const { queue, counts, oldestWaitingAgeSeconds, deadLetters } of stats.queues) {
    for (const [state, count] of Object.entries(counts)) counters.set('queue_jobs', { queue, state }, count);
    counters.set('queue_oldest_waiting_age_seconds', { queue }, oldestWaitingAgeSeconds);
    counters.set('dead_letters', { queue }, deadLetters);
  }
  // Replaced whole, like the queue gauges: an org no longer configured stops being exported.
  counters.forget('snyk_last_ping_timestamp_seconds');
  for (const { org, seconds } of pingSeries(stats.lastPingByOrg ?? {}, heartbeatOrgs, stats.lastPingAt))
    counters.set('snyk_last_ping_timestamp_seconds', { org }, seconds);
  counters.set('snyk_last_delivery_timestamp_seconds', {}, stats.lastDeliveryAt);
}

/**
 * Scrapes. When Redis cannot be read the scrape still answers, with redis_up 0 and without the queue gauges: a 0 would
 * read as an empty queue. The Snyk contact times keep their last value, which is still true as a lower bound.
 */
export function createScrape(options: ScrapeOptions): () => Promise<Scraped> {
  const { counters, logger } = options;
  return async () => {
    try {
      setQueueGauges(counters, await options.stats(), options.heartbeatOrgs ?? []);
      counters.set('redis_up', {}, 1);
    } catch (error) {
      dropQueueGauges(counters);
      counters.set('redis_up', {}, 0);
      // Its connection's error events are logged and counted already (client_errors_total{component="admin_redis"}).
      logger.debug('Queue gauges not read from Redis for this scrape.', { reason: (error as Error).message });
    }
    return { body: await counters.render(), contentType: counters.contentType };
  };
}
