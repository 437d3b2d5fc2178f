// Emulated Elasticsearch: _bulk (create semantics, scripted item faults), index templates and data-stream rules.
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
  /** Composable index templates by name, as stored (PUT `_index_template/<name>`, with Elasticsearch's defaults). */
  readonly templates: Map<string, IndexTemplate>;
}

/** What the peer reads of a composable index template. */
export interface IndexTemplate {
  index_patterns: string[];
  priority?: number;
  data_stream?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
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

/** An index pattern with `*` wildcards, as in index_patterns. */
function matchesPattern(name: string, pattern: string): boolean {
  const escaped = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`).test(name);
}

/**
 * The template that applies to a new index or data stream name: the matching one of highest priority
 * (https://www.elastic.co/docs/manage-data/data-store/templates, "index template priority").
 */
function templateFor(templates: Map<string, IndexTemplate>, name: string): IndexTemplate | undefined {
  let best: IndexTemplate | undefined;
  for (const template of templates.values()) {
    if (!template.index_patterns.some((p) => matchesPattern(name, p))) continue;
    if (best === undefined || (template.priority ?? 0) > (best.priority ?? 0)) best = template;
  }
  return best;
}

export async function startElasticsearchPeer(
  options: { authorization?: string; tls?: PeerTls } = {},
): Promise<ElasticsearchPeer> {
  const indices = new Map<string, Map<string, unknown>>();
  const receivedCount = new Map<string, number>();
  const itemFaults = new Map<string, number[]>();
  const alwaysReject = new Set<string>();
  const templates = new Map<string, IndexTemplate>();

  /** Whether writes to this name go to a data stream: a template with `data_stream` claims it. */
  const isDataStream = (index: string): boolean => templateFor(templates, index)?.data_stream !== undefined;

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
      } else if (op !== 'create' && isDataStream(index)) {
        // Data streams are append-only: the bulk API refuses any other op type for them.
        status = 400;
        item = {
          ...base,
          status,
          error: {
            type: 'illegal_argument_exception',
            reason: `only write ops with an op_type of create are allowed in data streams`,
          },
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
        } else if (isDataStream(index) && !('@timestamp' in doc)) {
          status = 400;
          item = {
            ...base,
            status,
            error: {
              type: 'document_parsing_exception',
              reason: 'data stream timestamp field [@timestamp] is missing',
            },
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

  /**
   * GET and PUT `_index_template/<name>` as Elasticsearch answers them: GET lists `{name, index_template}` with the
   * defaults the cluster adds (`composed_of: []`, `data_stream.hidden` and `allow_custom_routing`), 404 with
   * resource_not_found_exception when missing; PUT needs index_patterns and answers `{"acknowledged":true}`.
   */
  function handleTemplate(request: PeerRequest, name: string): PeerReply {
    if (request.method === 'GET') {
      const stored = templates.get(name);
      if (stored === undefined) {
        return esError(404, 'resource_not_found_exception', `index template matching [${name}] not found`);
      }
      return { status: 200, body: JSON.stringify({ index_templates: [{ name, index_template: stored }] }) };
    }
    if (request.method !== 'PUT') {
      return esError(
        405,
        'illegal_argument_exception',
        `${request.method} is not allowed on _index_template`,
      );
    }
    let body: IndexTemplate;
    try {
      body = JSON.parse(request.body.toString('utf8')) as IndexTemplate;
    } catch {
      return esError(400, 'x_content_parse_exception', 'failed to parse the index template');
    }
    if (!Array.isArray(body.index_patterns) || body.index_patterns.length === 0) {
      return esError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: index patterns are missing;',
      );
    }
    const stored: IndexTemplate = { ...body, composed_of: body['composed_of'] ?? [] };
    if (body.data_stream !== undefined)
      stored.data_stream = { hidden: false, allow_custom_routing: false, ...body.data_stream };
    templates.set(name, stored);
    return { status: 200, body: JSON.stringify({ acknowledged: true }) };
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
    const template = /^\/_index_template\/([^/]+)$/.exec(path);
    if (template) return handleTemplate(request, decodeURIComponent(template[1] ?? ''));
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
    { indices, receivedCount, itemFaults, alwaysReject, templates, authorization: options.authorization },
  );
  return peer;
}

/** All stored documents across indices. */
export function storedIds(peer: ElasticsearchPeer): string[] {
  return [...peer.indices.values()].flatMap((store) => [...store.keys()]);
}
