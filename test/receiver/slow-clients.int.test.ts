// Slow clients are cut off with 408 close to the configured timeouts, not up to Node's 30 s check interval later.
import { describe, expect, it } from 'vitest';
import { useForwarder } from '../helpers/forwarder.js';
import { openRaw, postHead, sleep, type RawConnection } from './raw-client.js';

/** The smallest receiver.requestTimeoutMs the schema allows is 1000; the headers timeout is min(this, 20 s). */
const REQUEST_TIMEOUT_MS = 3000;
/** Generous: the server checks its timers every second, and a loaded machine adds its own delay. */
const SLACK_MS = 5000;
/** How long a client keeps trickling before the test gives up on an answer: past Node's default 30 s interval. */
const GIVE_UP_MS = 45_000;

const fx = useForwarder({ config: { receiver: { requestTimeoutMs: REQUEST_TIMEOUT_MS } } });

/** Writes one byte a second until the connection closes or the test gives up; resolves with the close time. */
async function trickle(connection: RawConnection, bytes: Buffer): Promise<number> {
  for (let i = 0; i < bytes.length && !connection.isClosed(); i += 1) {
    if (performance.now() - connection.openedAt > GIVE_UP_MS) break;
    await connection.write(bytes.subarray(i, i + 1));
    await Promise.race([sleep(1000), connection.closed]);
  }
  if (!connection.isClosed()) connection.destroy();
  return (await connection.closed).afterMs;
}

describe('slow clients', { timeout: 90_000 }, () => {
  it('cuts off headers, a body and a silent connection sent too slowly, each close to its timeout, with 408', async () => {
    const { forwarder } = fx;
    const path = new URL(forwarder.webhookUrl).pathname;
    const body = Buffer.from('{"org":{"name":"slow"}}');
    const head = postHead(path, {
      'Content-Type': 'application/json',
      'Content-Length': String(body.length),
      'X-Hub-Signature': `sha256=${'0'.repeat(64)}`,
    });
    const headersTimeoutMs = Math.min(REQUEST_TIMEOUT_MS, 20_000);

    const slowHeaders = await openRaw(forwarder.url);
    const slowBody = await openRaw(forwarder.url);
    const silent = await openRaw(forwarder.url);
    await slowBody.write(head);
    const [headersClosedMs, bodyClosedMs, silentClosed] = await Promise.all([
      trickle(slowHeaders, Buffer.from(head.repeat(4))),
      trickle(slowBody, Buffer.concat([body, Buffer.alloc(64, 0x20)])),
      Promise.race([silent.closed, sleep(GIVE_UP_MS).then(() => ({ afterMs: Infinity, error: 'gave up' }))]),
    ]);
    silent.destroy();
    console.log(
      `408 after: headers ${headersClosedMs.toFixed(0)} ms, body ${bodyClosedMs.toFixed(0)} ms, ` +
        `silent ${silentClosed.afterMs.toFixed(0)} ms (timeouts ${headersTimeoutMs} / ${REQUEST_TIMEOUT_MS} ms)`,
    );

    expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(headersClosedMs).toBeGreaterThanOrEqual(headersTimeoutMs);
    expect(headersClosedMs).toBeLessThan(headersTimeoutMs + SLACK_MS);

    expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(bodyClosedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS);
    expect(bodyClosedMs).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);

    // A connection that never sends a byte is held to the headers timeout too.
    expect(silentClosed.afterMs).toBeGreaterThanOrEqual(headersTimeoutMs);
    expect(silentClosed.afterMs).toBeLessThan(headersTimeoutMs + SLACK_MS);
  });
});
