// Runs the target contract for the generic HTTP target against the emulated collector.
import { buildHttpTarget } from '../../../src/targets/http/target.js';
import { httpTargetSchema } from '../../../src/targets/http/config.js';
import { documentIds, startCollectorPeer, type CollectorPeer } from '../../helpers/peers/collector-peer.js';
import { silentLogger } from '../../helpers/peers/records.js';
import { targetContract } from '../contract-suite.js';

let peer: CollectorPeer;

targetContract('http', {
  async start() {
    peer = await startCollectorPeer();
    return {
      behave: (behaviour) => (peer.behaviour = behaviour),
      receivedIds: () => documentIds(peer.documents),
      openConnections: () => peer.openConnections(),
    };
  },
  stop: () => peer.close(),
  build: ({ timeoutMs }) =>
    buildHttpTarget(
      httpTargetSchema.parse({ name: 'contract', type: 'http', url: `${peer.url}/ingest`, timeoutMs }),
      {
        logger: silentLogger,
      },
    ),
});
