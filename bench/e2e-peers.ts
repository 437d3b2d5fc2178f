// The peers the end-to-end benches deliver to: a file, an HTTP collector, syslog-ng over TCP and over TLS.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { startCollectorPeer } from '../test/helpers/peers/collector-peer.js';
import { startSyslogNg } from '../test/helpers/syslog-ng.js';
import { makeTestPki, type TestPki } from '../test/helpers/test-ca.js';

export interface Peer {
  /** The target's configuration keys, less its name. */
  target: Record<string, unknown>;
  /** Records the peer has received so far. */
  received(): number;
  close(): Promise<void>;
}

export type PeerFactory = (dir: string) => Promise<Peer>;

/**
 * Counts the lines of a growing file, reading only what was appended since the last call: a 100 MB output is not
 * read again at every poll.
 */
export function lineCounter(path: string): () => number {
  let offset = 0;
  let count = 0;
  const chunk = Buffer.alloc(1 << 20);
  return () => {
    if (!existsSync(path)) return count;
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      while (offset < size) {
        const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - offset), offset);
        if (read <= 0) break;
        for (let at = chunk.indexOf(10); at !== -1 && at < read; at = chunk.indexOf(10, at + 1)) count += 1;
        offset += read;
      }
    } finally {
      closeSync(fd);
    }
    return count;
  };
}

export const filePeer: PeerFactory = async (dir) => {
  const path = join(dir, 'findings.ndjson');
  return { target: { type: 'file', path }, received: lineCounter(path), close: async () => undefined };
};

export const httpCollectorPeer: PeerFactory = async () => {
  const peer = await startCollectorPeer();
  return {
    target: { type: 'http', url: `${peer.url}/ingest` },
    received: () => peer.documents.length,
    close: () => peer.close(),
  };
};

let pki: TestPki | undefined;

export function syslogNgPeer(protocol: 'tcp' | 'tls'): PeerFactory {
  return async () => {
    pki ??= makeTestPki();
    const syslog = await startSyslogNg(pki);
    return {
      target: {
        type: 'syslog',
        format: 'cef',
        host: '127.0.0.1',
        port: syslog.ports[protocol],
        protocol,
        ...(protocol === 'tls' ? { tls: { ca: pki.caFile } } : {}),
      },
      received: () => syslog.read(protocol).length,
      close: () => syslog.cleanup(),
    };
  };
}

/** Removes the certificates the TLS peer made, if any. */
export function cleanupPeers(): void {
  pki?.cleanup();
  pki = undefined;
}

/** Each peer by the name the results give it. */
export const PEERS: Record<string, PeerFactory> = {
  file: filePeer,
  'http collector': httpCollectorPeer,
  'syslog-ng over TCP': syslogNgPeer('tcp'),
  'syslog-ng over TLS': syslogNgPeer('tls'),
};
