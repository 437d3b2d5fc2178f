// Emulated generic HTTP collector: parses NDJSON or JSON-array bodies and stores the documents it parsed.
import type { PeerTls } from './tls.js';
import { startHttpPeer, type HttpPeer, type PeerRequest, type PeerReply } from './http-peer.js';

export interface CollectorPeer extends HttpPeer {
  /** Every document parsed, in arrival order. */
  readonly documents: unknown[];
  /** Documents per request, to check batching. */
  readonly batches: unknown[][];
}

/** Parses as the content type says; throws on malformed input (→ 400, as a strict collector would). */
function parseDocuments(request: PeerRequest): unknown[] {
  const text = request.body.toString('utf8');
  const type = String(request.headers['content-type'] ?? '');
  if (type.includes('ndjson')) {
    if (text !== '' && !text.endsWith('\n')) throw new Error('NDJSON body must end with LF');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value : [value];
}

export async function startCollectorPeer(options: { tls?: PeerTls } = {}): Promise<CollectorPeer> {
  const documents: unknown[] = [];
  const batches: unknown[][] = [];
  const handle = (request: PeerRequest): PeerReply => {
    try {
      const docs = parseDocuments(request);
      documents.push(...docs);
      batches.push(docs);
      return { status: 200, body: '{"ok":true}' };
    } catch (error) {
      return { status: 400, body: JSON.stringify({ error: (error as Error).message }) };
    }
  };
  const peer = await startHttpPeer({
    ...options,
    handle,
    failures: {
      transient: { status: 503, body: '{"error":"unavailable"}' },
      permanent: { status: 400, body: '{"error":"bad request"}' },
      throttled: { status: 429, headers: { 'retry-after': '2' }, body: '{"error":"slow down"}' },
    },
  });
  return Object.assign(peer, { documents, batches });
}

/** Ids of stored documents that carry a string `id` field (test records do). */
export function documentIds(documents: readonly unknown[]): string[] {
  const ids: string[] = [];
  for (const doc of documents) {
    if (typeof doc === 'object' && doc !== null && typeof (doc as { id?: unknown }).id === 'string') {
      ids.push((doc as { id: string }).id);
    }
  }
  return ids;
}
