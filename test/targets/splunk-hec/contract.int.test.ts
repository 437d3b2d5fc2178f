// Runs the target contract for the Splunk HEC target against the emulated HEC (indexer acks on).
import { buildSplunkHecTarget } from '../../../src/targets/splunk-hec/target.js';
import { splunkHecTargetSchema } from '../../../src/targets/splunk-hec/config.js';
import { documentIds } from '../../helpers/peers/collector-peer.js';
import { startSplunkHecPeer, type SplunkHecPeer } from '../../helpers/peers/splunk-hec-peer.js';
import { silentLogger } from '../../helpers/peers/records.js';
import { targetContract } from '../contract-suite.js';

let peer: SplunkHecPeer;

targetContract('splunk-hec', {
  async start() {
    peer = await startSplunkHecPeer({ useAck: true });
    return {
      behave: (behaviour) => (peer.behaviour = behaviour),
      receivedIds: () => documentIds(peer.events.map((e) => e.event)),
      openConnections: () => peer.openConnections(),
    };
  },
  stop: () => peer.close(),
  build: ({ timeoutMs }) =>
    buildSplunkHecTarget(
      splunkHecTargetSchema.parse({
        name: 'contract',
        type: 'splunk-hec',
        url: peer.url,
        token: peer.token,
        timeoutMs,
        ack: { enabled: true, pollIntervalMs: 20, timeoutMs: 2_000 },
      }),
      { logger: silentLogger },
    ),
});
