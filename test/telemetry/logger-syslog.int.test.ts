// The daemon's own logs can also go to a local syslog daemon through winston-syslog (log.syslog), scrubbed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';
import { SecretRegistry } from '../../src/telemetry/redact.js';
import { startSyslogNg, type TestSyslogNg } from '../helpers/syslog-ng.js';
import { makeTestPki } from '../helpers/test-ca.js';

let syslog: TestSyslogNg;

beforeAll(async () => {
  syslog = await startSyslogNg(makeTestPki());
});
afterAll(async () => {
  await syslog?.cleanup();
});

describe('log.syslog', () => {
  it('sends the daemon log lines to syslog over UDP, with secrets masked', async () => {
    const secrets = new SecretRegistry();
    secrets.add('daemon-log-secret-value');
    const logger = createLogger({
      level: 'info',
      format: 'json',
      stream: process.stderr,
      secrets,
      syslog: {
        protocol: 'udp4',
        host: '127.0.0.1',
        port: syslog.ports.udp,
        appName: 'ssf-test',
        facility: 'daemon',
      },
    });
    logger.warn('Delivery failed; will retry.', { target: 'siem', detail: 'key daemon-log-secret-value' });
    // A generous bound for one datagram through syslog-ng into its file: a loaded machine is not a failure.
    const messages = await syslog.waitFor(
      'udp',
      (list) => list.some((m) => m.program === 'ssf-test'),
      60_000,
    );
    const mine = messages.find((m) => m.program === 'ssf-test');
    expect(mine?.msg).toContain('Delivery failed; will retry.');
    expect(mine?.msg).not.toContain('daemon-log-secret-value');
    // syslog-ng writes numeric values: severity 4 is warning, facility 3 is daemon (RFC 5424 §6.2.1).
    expect(mine?.severity).toBe('4');
    expect(mine?.facility).toBe('3');
    logger.close();
  }, 90_000);
});
