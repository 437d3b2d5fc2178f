// Idle connections cannot use up the process's file descriptors: past receiver.maxConnections the oldest idle are shed.
import { describe, expect, it } from 'vitest';
import { useForwarder, waitFor } from '../helpers/forwarder.js';
import { fixture, postWebhook } from '../helpers/webhook.js';
import { getOnce, openRaw, type RawConnection } from './raw-client.js';

const CAP = 50;
const IDLE = 200;
const fx = useForwarder({ config: { receiver: { maxConnections: CAP } } });

const snapshot = fixture('project_snapshot-v0.snyk-docs-slack-lambda-postman.json');

async function openIdle(url: string, count: number): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  for (let i = 0; i < count; i += 1) connections.push(await openRaw(url));
  return connections;
}

interface LogLine {
  message: string;
  [field: string]: unknown;
}

const logLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((line) => line.trim().startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

describe('receiver.maxConnections', { timeout: 120_000 }, () => {
  it('sheds the oldest idle connections first, keeps answering webhooks and probes, and logs and counts it', async () => {
    const { forwarder } = fx;
    const idle = await openIdle(forwarder.url, IDLE);
    try {
      const answers: number[] = [];
      for (let i = 0; i < 10; i += 1) {
        answers.push((await postWebhook(forwarder.webhookUrl, snapshot)).status);
        answers.push((await getOnce(`${forwarder.url}/healthz`)).status);
        answers.push((await getOnce(`${forwarder.url}/readyz`)).status);
      }
      expect(answers).toEqual(Array.from({ length: 10 }, () => [202, 200, 200]).flat());

      // At most CAP connections are open on the server's side, so at least the rest of the idle ones were closed.
      await waitFor(
        () => idle.filter((c) => c.isClosed()).length >= IDLE - CAP,
        20_000,
        'idle ones to be shed',
      );
      const closed = idle.map((c, index) => (c.isClosed() ? index : -1)).filter((index) => index >= 0);
      const open = idle.map((c, index) => (c.isClosed() ? -1 : index)).filter((index) => index >= 0);
      console.log(`cap ${CAP}: ${closed.length} of ${IDLE} idle connections shed, ${open.length} still open`);
      // Oldest first: every connection that was shed is older than every one still open.
      expect(Math.max(...closed)).toBeLessThan(Math.min(...open, IDLE));

      const counters = forwarder.daemon.counters;
      expect(await counters.get('connections_shed_total', { reason: 'idle' })).toBeGreaterThanOrEqual(
        IDLE - CAP,
      );
      // Every connection shed was idle: none of the requests above lost its connection.
      expect(await counters.get('connections_shed_total', { reason: 'refused' })).toBe(0);
      await waitFor(
        () =>
          logLines(forwarder.logs()).find(
            (line) => /connection/i.test(line.message) && /shed/i.test(line.message),
          ),
        20_000,
        'the shed log line',
      );
    } finally {
      for (const connection of idle) connection.destroy();
    }
  });
});
