// Runs the target contract for the Elasticsearch target against the emulated _bulk endpoint.
import { buildElasticsearchTarget } from '../../../src/targets/elasticsearch/target.js';
import { elasticsearchTargetSchema } from '../../../src/targets/elasticsearch/config.js';
import { startElasticsearchPeer, type ElasticsearchPeer } from '../../helpers/peers/elasticsearch-peer.js';
import { jsonRecords, silentLogger } from '../../helpers/peers/records.js';
import { targetContract } from '../contract-suite.js';

let peer: ElasticsearchPeer;
const apiKey = 'dGVzdDprZXk=';

targetContract('elasticsearch', {
  async start() {
    peer = await startElasticsearchPeer({ authorization: `ApiKey ${apiKey}` });
    return {
      behave: (behaviour) => (peer.behaviour = behaviour),
      // Stored documents: a resend of a stored _id is a 409, so each id appears once.
      receivedIds: () => [...(peer.indices.get('snyk-findings')?.keys() ?? [])],
      openConnections: () => peer.openConnections(),
    };
  },
  stop: () => peer.close(),
  records: (count, prefix) => jsonRecords(count, prefix, 'ecs'),
  build: ({ timeoutMs }) =>
    buildElasticsearchTarget(
      elasticsearchTargetSchema.parse({
        name: 'contract',
        type: 'elasticsearch',
        url: peer.url,
        index: 'snyk-findings',
        apiKey,
        timeoutMs,
      }),
      { logger: silentLogger },
    ),
});
