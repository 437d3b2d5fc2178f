// Server TLS material for the emulated peers, from the shared throw-away PKI (test/helpers/test-ca.ts).
import { readFileSync } from 'node:fs';
import type { TestPki } from '../test-ca.js';

export interface PeerTls {
  cert: string;
  key: string;
  /** With ca: the peer asks for a client certificate and refuses connections without one signed by this CA. */
  ca?: string;
}

export function peerTls(pki: TestPki, options: { requireClientCert?: boolean } = {}): PeerTls {
  return {
    cert: readFileSync(pki.serverCertFile, 'utf8'),
    key: readFileSync(pki.serverKeyFile, 'utf8'),
    ...(options.requireClientCert ? { ca: readFileSync(pki.caFile, 'utf8') } : {}),
  };
}
