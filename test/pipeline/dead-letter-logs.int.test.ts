// A delivery that runs out of attempts or of retry age is logged as dead-lettered, at error level, never "will retry".
import { describe, expect, it } from 'vitest';
import { deadLettersOf, startForwarder, waitFor, type TestForwarder } from '../helpers/forwarder.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { startScriptedCollector, type ScriptedCollector } from '../helpers/scripted-collector.js';
import { fixture, postWebhook } from '../helpers/webhook.js';

const fx = useTestRedis();
const { cleanups } = fx;

const body = fixture('project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json');

interface LogLine {
  level: string;
  message: string;
  target?: string;
  attempt?: number;
  attempts?: number;
  reason?: string;
  code?: string;
}

/** A forwarder with one http target whose collector answers 503 to every request. */
async function alwaysFailing(retry: Record<string, unknown>): Promise<TestForwarder> {
  const collector: ScriptedCollector = await startScriptedCollector({ status: 503 });
  cleanups.push(() => collector.close());
  const forwarder = await startForwarder({
    redisUrl: fx.redis.url,
    config: {
      retry: { baseDelayMs: 20, maxDelayMs: 100, ...retry },
      targets: [{ name: 'siem', type: 'http', url: collector.url, timeoutMs: 2000 }],
    },
  });
  cleanups.push(() => forwarder.stop());
  return forwarder;
}

function deliveryLogs(forwarder: TestForwarder): LogLine[] {
  return forwarder
    .logs()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.target === 'siem' && line.message.startsWith('Delivery'));
}

async function deadLetters(forwarder: TestForwarder) {
  return deadLettersOf(fx.redis.url, forwarder.prefix, 'siem');
}

/** Waits until the target's dead-letter queue holds something, and returns it. */
async function firstDeadLetters(forwarder: TestForwarder): Promise<Awaited<ReturnType<typeof deadLetters>>> {
  return waitFor(
    async () => {
      const failed = await deadLetters(forwarder);
      return failed.length > 0 ? failed : undefined;
    },
    15_000,
    'the dead letter',
  );
}

describe('dead-letter logs', () => {
  it('the last of retry.attempts is logged as dead-lettered at error level, with the attempt count', async () => {
    const forwarder = await alwaysFailing({ attempts: 2 });
    expect((await postWebhook(forwarder.webhookUrl, body)).status).toBe(202);
    const letters = await firstDeadLetters(forwarder);
    expect(letters[0]?.attemptsMade).toBe(2);
    const reason = letters[0]?.data.deadLetter;
    expect(reason).toMatchObject({ code: 'http_retryable_status', attempts: 2, limit: 'attempts' });
    expect(Date.parse(reason?.firstFailedAt ?? '')).toBeLessThan(Date.parse(reason?.lastFailedAt ?? ''));
    const logs = await waitFor(
      () => {
        const lines = deliveryLogs(forwarder);
        return lines.length >= 2 ? lines : undefined;
      },
      5_000,
      'two delivery log lines',
    );
    expect(logs.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'Delivery failed; will retry.'],
      ['error', 'Delivery failed after 2 attempts; kept in the dead-letter queue.'],
    ]);
    expect(logs[1]).toMatchObject({
      attempts: 2,
      code: 'http_retryable_status',
      reason: expect.stringMatching(/503/) as unknown,
    });
    expect(await forwarder.daemon.counters.get('target_jobs_dead_lettered_total', { target: 'siem' })).toBe(
      1,
    );
  });

  it('a delivery still failing past retry.maxRetryAgeSeconds is logged as dead-lettered, not "will retry"', async () => {
    const forwarder = await alwaysFailing({ maxRetryAgeSeconds: 1 });
    expect((await postWebhook(forwarder.webhookUrl, body)).status).toBe(202);
    const letters = await firstDeadLetters(forwarder);
    expect(letters).toHaveLength(1);
    // Whether the age limit met a failure or the start of a retry, the reason names the failure that kept recurring.
    expect(letters[0]?.data.deadLetter).toMatchObject({
      code: 'http_retryable_status',
      attempts: letters[0]?.attemptsMade,
      limit: 'age',
    });
    const last = await waitFor(
      () => {
        const line = deliveryLogs(forwarder).at(-1);
        return line?.level === 'error' ? line : undefined;
      },
      5_000,
      'the dead-letter log line',
    );
    expect(last.message).toMatch(/dead-letter queue\.$/);
    expect(last.message).toMatch(/retry\.maxRetryAgeSeconds/);
    expect(last.attempts).toBe(letters[0]?.attemptsMade);
    const deadLettered = deliveryLogs(forwarder).filter((line) => line.message.includes('dead-letter'));
    expect(deadLettered).toHaveLength(1);
    expect(await forwarder.daemon.counters.get('target_jobs_dead_lettered_total', { target: 'siem' })).toBe(
      1,
    );
  });
});
