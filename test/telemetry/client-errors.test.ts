// Error events nobody awaits reach a log line (rate-limited) and the client_errors_total counter; a log transport's, stderr.
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachClientErrors, reportClientError } from '../../src/telemetry/client-errors.js';
import { Counters } from '../../src/telemetry/counters.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { capturedLog } from '../helpers/captured-log.js';

/** Lets the log streams deliver what was written. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** What was written to stderr while `run` ran. */
async function stderrOf(run: () => void): Promise<string> {
  let text = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  });
  try {
    run();
    await settle();
  } finally {
    spy.mockRestore();
  }
  return text;
}

const detachers: Array<() => void> = [];
afterEach(() => {
  for (const detach of detachers.splice(0)) detach();
});

function attach(logger: ReturnType<typeof createLogger>, counters: Counters) {
  const attached = attachClientErrors(logger, counters);
  detachers.push(() => attached.detach());
  return attached;
}

describe('client error events', () => {
  it('are logged and counted per component; past 10 a minute, summarised when the daemon detaches', async () => {
    const out = capturedLog();
    const counters = new Counters();
    const attached = attach(out.logger, counters);
    for (let i = 0; i < 12; i += 1) reportClientError('receiver_redis', new Error(`ECONNREFUSED ${i}`));
    reportClientError('ingest_queue', new Error('Connection is closed.'));
    attached.detach();
    await settle();
    expect(await counters.get('client_errors_total', { component: 'receiver_redis' })).toBe(12);
    expect(await counters.get('client_errors_total', { component: 'ingest_queue' })).toBe(1);
    const lines = out.lines();
    expect(lines.filter((line) => line.component === 'receiver_redis')).toHaveLength(10);
    expect(lines.find((line) => line.component === 'ingest_queue')).toMatchObject({
      level: 'warn',
      message: 'Client error event.',
      error: 'Connection is closed.',
    });
    expect(lines.find((line) => line.suppressed !== undefined)).toMatchObject({
      level: 'warn',
      suppressed: 2,
      byComponent: { receiver_redis: 2 },
    });
  });

  it('log the embedded-Redis probe at debug: it is refused by design while the server starts', async () => {
    const out = capturedLog();
    attach(out.logger, new Counters());
    reportClientError('embedded_redis_probe', new Error('connect ECONNREFUSED 127.0.0.1:6399'));
    await settle();
    expect(out.lines()[0]).toMatchObject({ level: 'debug', component: 'embedded_redis_probe' });
  });

  it('go to stderr when no daemon is attached', async () => {
    const text = await stderrOf(() => reportClientError('redis_check', new Error('NOAUTH')));
    expect(text).toContain('"component":"redis_check"');
    expect(text).toContain('NOAUTH');
  });
});

describe("the log's syslog transport", () => {
  it('reports its error to stderr and client_errors, never through the log, and does not throw', async () => {
    const out = capturedLog();
    const counters = new Counters();
    const stream = new PassThrough();
    let daemonLog = '';
    stream.on('data', (chunk: Buffer) => (daemonLog += chunk.toString('utf8')));
    const logger = createLogger({
      level: 'debug',
      format: 'json',
      stream,
      syslog: { protocol: 'udp4', host: '127.0.0.1', port: 514, appName: 'ssf-test', facility: 'daemon' },
    });
    attach(logger, counters);
    attach(out.logger, new Counters());
    const transport = logger.transports.find((candidate) => candidate !== logger.transports[0]);
    expect(transport).toBeDefined();
    // winston re-emits a transport's error on the logger, where no listener used to mean an uncaught exception.
    const text = await stderrOf(() => transport?.emit('error', new Error('syslog daemon went away')));
    expect(text).toContain('"component":"log_transport"');
    expect(text).toContain('syslog daemon went away');
    expect(await counters.get('client_errors_total', { component: 'log_transport' })).toBe(1);
    expect(daemonLog).not.toContain('syslog daemon went away');
    expect(out.lines()).toEqual([]);
  });
});
