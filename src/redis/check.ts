// Warns when the configured Redis can drop queued jobs: an eviction policy other than noeviction, or no persistence.
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'winston';

export interface RedisHealthReport {
  maxmemoryPolicy: string | undefined;
  aofEnabled: boolean | undefined;
  rdbSaveConfigured: boolean | undefined;
  version: string | undefined;
}

export async function inspectRedis(client: Redis | Cluster): Promise<RedisHealthReport> {
  const report: RedisHealthReport = {
    maxmemoryPolicy: undefined,
    aofEnabled: undefined,
    rdbSaveConfigured: undefined,
    version: undefined,
  };
  const info = await client.info();
  report.version = /redis_version:(\S+)/.exec(info)?.[1];
  const aof = /aof_enabled:(\d)/.exec(info)?.[1];
  if (aof !== undefined) report.aofEnabled = aof === '1';
  try {
    // Managed Redis services often disable CONFIG; then the policy stays unknown and we say so.
    const policy = (await client.config('GET', 'maxmemory-policy')) as string[];
    report.maxmemoryPolicy = policy[1];
    const save = (await client.config('GET', 'save')) as string[];
    report.rdbSaveConfigured = (save[1] ?? '').trim() !== '';
  } catch {
    // CONFIG not allowed
  }
  return report;
}

export function warnAboutRedis(report: RedisHealthReport, logger: Logger): void {
  if (report.maxmemoryPolicy === undefined) {
    logger.warn(
      'Could not read maxmemory-policy (CONFIG is disabled); make sure it is "noeviction" or jobs can be evicted.',
    );
  } else if (report.maxmemoryPolicy !== 'noeviction') {
    logger.warn(
      `Redis maxmemory-policy is "${report.maxmemoryPolicy}": under memory pressure Redis will delete queued jobs. Set it to "noeviction".`,
    );
  }
  if (report.aofEnabled === false && report.rdbSaveConfigured === false) {
    logger.warn(
      'Redis persistence is off (no AOF, no RDB): a Redis restart loses every queued record. Set "appendonly yes".',
    );
  }
}
