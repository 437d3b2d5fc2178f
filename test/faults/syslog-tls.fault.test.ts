// Fault: the TLS syslog receiver (a real syslog-ng) is restarted twice while records stream to it.
import { describe, expect, it } from 'vitest';
import { startSyslogNg } from '../helpers/syslog-ng.js';
import { makeTestPki } from '../helpers/test-ca.js';
import { readSyslog } from './harness/accounting.js';
import { FAULT_SECRET, useFaultRig } from './harness/rig.js';
import { settle } from './harness/scenario.js';
import { afterDeliveries, startSteadySender } from './harness/sender.js';
import { buildSnapshots } from './harness/snapshots.js';

const rig = useFaultRig('ssf-fault-syslog-');

describe('TLS syslog receiver restarted', () => {
  it('syslog-ng stopped and started again twice mid-stream: every accepted record arrives, whole', async () => {
    const pki = makeTestPki();
    rig.onCleanup(() => pki.cleanup());
    const syslog = await startSyslogNg(pki);
    rig.onCleanup(() => syslog.cleanup());
    const forwarder = await rig.startWithTargets([
      {
        name: 'siem',
        type: 'syslog',
        host: '127.0.0.1',
        port: syslog.ports.tls,
        protocol: 'tls',
        // JSON records in MSG, so that syslog-ng's output can be matched to deliveries by project.
        format: 'json',
        tls: { ca: pki.caFile },
      },
    ]);
    const port = forwarder.spec.port;
    const sender = startSteadySender({
      url: () => `http://127.0.0.1:${port}/webhooks/snyk`,
      secret: FAULT_SECRET,
      snapshots: buildSnapshots('syslog-tls', 60, 3),
      ratePerSecond: 6,
    });

    let restarts = 0;
    for (const after of [15, 35]) {
      await afterDeliveries(sender, after);
      await syslog.stop();
      await syslog.start();
      restarts += 1;
    }
    const faultEndedAt = Date.now();

    const result = await settle({
      scenario: 'syslog-tls-restart',
      sender,
      read: () => readSyslog(syslog, 'tls'),
      faultEndedAt,
      stop: async () => {
        await rig.signal(forwarder, 'SIGTERM');
      },
      notes: () => [`${restarts} syslog-ng restarts (SIGTERM, then start on the same port)`],
    });
    expect(result.problems).toEqual([]);
    expect(result.accounting.accepted).toBe(60);
  });
});
