// Runs the shared target contract for the Rapid7 webhook transport against an emulated HTTPS ingestion endpoint.
import { readFileSync } from 'node:fs';
import { rapid7TargetSchema } from '../../../src/targets/rapid7/config.js';
import { buildRapid7Target } from '../../../src/targets/rapid7/target.js';
import { startHttpPeer, type HttpPeer } from '../../helpers/peers/http-peer.js';
import { makeTestPki, type TestPki } from '../../helpers/test-ca.js';
import { targetContract } from '../contract-suite.js';
import { silentLogger } from '../syslog/fixtures.js';

const token = '2bfbea1e-10c3-4419-bdad-7e6435882e1f';
let pki: TestPki;
let peer: HttpPeer;
const ids: string[] = [];

targetContract('rapid7 (webhook)', {
  async start() {
    pki = makeTestPki();
    peer = await startHttpPeer({
      tls: { cert: readFileSync(pki.serverCertFile, 'utf8'), key: readFileSync(pki.serverKeyFile, 'utf8') },
      handle(request) {
        if (request.url !== `/v1/noformat/${token}`) return { status: 404 };
        const id = (JSON.parse(request.body.toString('utf8')) as { id?: unknown }).id;
        if (typeof id === 'string') ids.push(id);
        return { status: 204 };
      },
      failures: {
        transient: { status: 503 },
        permanent: { status: 400, body: '{"error":"bad request"}' },
        throttled: { status: 429, headers: { 'retry-after': '2' } },
      },
    });
    return {
      behave: (behaviour) => (peer.behaviour = behaviour),
      receivedIds: () => ids,
      openConnections: () => peer.openConnections(),
    };
  },
  async stop() {
    await peer.close();
    pki.cleanup();
  },
  build: ({ timeoutMs }) =>
    buildRapid7Target(
      rapid7TargetSchema.parse({
        name: 'contract',
        type: 'rapid7',
        token,
        endpoint: peer.url,
        tls: { ca: pki.caFile },
        timeoutMs,
      }),
      { logger: silentLogger },
    ),
});
