// Emulated Elasticsearch _bulk: NDJSON action/source pairs, create semantics (409 on an existing _id), scripted item faults.
import type { PeerTls } from './tls.js';
import { startHttpPeer, type HttpPeer, type PeerReply, type PeerRequest } from './http-peer.js';

export interface ElasticsearchPeer extends HttpPeer {
  /** Stored documents: index → _id → source. */
  readonly indices: Map<string, Map<string, unknown>>;
  /** How many times each _id arrived in a bulk request (resends included). */
  readonly receivedCount: Map<string, number>;
  /** Scripted per-item answers: the next arrivals of this _id get these statuses (429, 400, 503) before normal handling. */
  readonly itemFaults: Map<string, number[]>;
  /** _ids rejected on every arrival with 400 mapper_parsing_exception. */
  readonly alwaysReject: Set<string>;
  /** Required Authorization header value, if any. */
  authorization: string | undefined;
}

function esError(status: number, type: string, reason: string): PeerReply {
  return {
    status,
    body: JSON.stringify({ error: { root_cause: [{ type, reason }], type, reason }, status }),
  };
}

const ITEM_ERRORS: Record<number, { type: string; reason: string }> = {
  429: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
  400: { type: 'mapper_parsing_exception', reason: 'failed to parse field [severity] of type [long]' },
  503: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' },
};

export async function startElasticsearchPeer(
  options: { authorization?: string; tls?: PeerTls } = {},
): Promise<ElasticsearchPeer> {
  const indices = new Map<string, Map<string, unknown>>();
  const receivedCount = new Map<string, number>();
  const itemFaults = new Map<string, number[]>();
  const alwaysReject = new Set<string>();

  function handleBulk(request: PeerRequest, pathIndex: string | undefined): PeerReply {
    const text = request.body.toString('utf8');
    if (!String(request.headers['content-type'] ?? '').includes('application/x-ndjson')) {
      return esError(406, 'media_type_header_exception', 'Content-Type must be application/x-ndjson');
    }
    if (!text.endsWith('\n')) {
      return esError(
        400,
        'illegal_argument_exception',
        'The bulk request must be terminated by a newline [\\n]',
      );
    }
    const lines = text.split('\n').slice(0, -1);
    const items: unknown[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 2) {
      let action: Record<string, { _index?: string; _id?: string }>;
      try {
        action = JSON.parse(lines[i] ?? '') as typeof action;
      } catch {
        return esError(400, 'x_content_parse_exception', `Malformed action/metadata line [${i + 1}]`);
      }
      const op = Object.keys(action)[0] ?? '';
      const meta = action[op] ?? {};
      const index = meta._index ?? pathIndex ?? '';
      const id = meta._id ?? `auto-${i}`;
      receivedCount.set(id, (receivedCount.get(id) ?? 0) + 1);
      const source = lines[i + 1];
      const base = { _index: index, _id: id };
      const fault = itemFaults.get(id)?.shift();
      let status: number;
      let item: Record<string, unknown>;
      if (op !== 'create' && op !== 'index') {
        status = 400;
        item = {
          ...base,
          status,
          error: { type: 'illegal_argument_exception', reason: `unsupported op ${op}` },
        };
      } else if (fault !== undefined) {
        status = fault;
        item = { ...base, status, error: ITEM_ERRORS[fault] ?? { type: 'exception', reason: 'scripted' } };
      } else if (alwaysReject.has(id)) {
        status = 400;
        item = { ...base, status, error: ITEM_ERRORS[400] };
      } else {
        let doc: unknown;
        try {
          doc = JSON.parse(source ?? '');
        } catch {
          doc = undefined;
        }
        const store = indices.get(index) ?? new Map<string, unknown>();
        indices.set(index, store);
        if (doc === undefined || typeof doc !== 'object' || doc === null) {
          status = 400;
          item = {
            ...base,
            status,
            error: { type: 'document_parsing_exception', reason: 'failed to parse' },
          };
        } else if (op === 'create' && store.has(id)) {
          status = 409;
          item = {
            ...base,
            status,
            error: {
              type: 'version_conflict_engine_exception',
              reason: `[${id}]: version conflict, document already exists (current version [1])`,
            },
          };
        } else {
          store.set(id, doc);
          status = 201;
          item = {
            ...base,
            _version: 1,
            result: 'created',
            _seq_no: store.size - 1,
            _primary_term: 1,
            status,
          };
        }
      }
      if (status >= 300) errors = true;
      items.push({ [op]: item });
    }
    return { status: 200, body: JSON.stringify({ took: 1, errors, items }) };
  }

  const handle = (request: PeerRequest): PeerReply => {
    if (peer.authorization !== undefined && request.headers['authorization'] !== peer.authorization) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'ApiKey' },
        body: JSON.stringify({
          error: { type: 'security_exception', reason: 'unable to authenticate' },
          status: 401,
        }),
      };
    }
    const path = new URL(request.url, 'http://x').pathname;
    const match = /^(?:\/([^/]+))?\/_bulk$/.exec(path);
    if (request.method === 'POST' && match) return handleBulk(request, match[1]);
    return esError(400, 'illegal_argument_exception', `no handler for ${request.method} ${path}`);
  };

  const peer = Object.assign(
    await startHttpPeer({
      ...(options.tls ? { tls: options.tls } : {}),
      handle,
      failures: {
        transient: esError(503, 'unavailable_shards_exception', 'primary shard is not active'),
        permanent: esError(400, 'illegal_argument_exception', 'index [bad] is closed'),
        throttled: {
          ...esError(429, 'es_rejected_execution_exception', 'rejected execution of coordinating operation'),
          headers: { 'retry-after': '2' },
        },
      },
    }),
    { indices, receivedCount, itemFaults, alwaysReject, authorization: options.authorization },
  );
  return peer;
}

/** All stored documents across indices. */
export function storedIds(peer: ElasticsearchPeer): string[] {
  return [...peer.indices.values()].flatMap((store) => [...store.keys()]);
}
