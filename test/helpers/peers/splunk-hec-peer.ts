// Emulated Splunk HTTP Event Collector: token check, concatenated-JSON event parsing, HEC reply codes, indexer acks.
import type { PeerTls } from './tls.js';
import { startHttpPeer, type HttpPeer, type PeerReply, type PeerRequest } from './http-peer.js';

export interface HecEvent {
  time?: number;
  event: unknown;
  index?: string;
  source?: string;
  sourcetype?: string;
  host?: string;
}

/** How the emulated indexer answers ack polls. */
export type AckMode = { kind: 'immediate' } | { kind: 'after-polls'; polls: number } | { kind: 'never' };

export interface SplunkHecPeer extends HttpPeer {
  readonly token: string;
  /** Every event parsed, in arrival order. */
  readonly events: HecEvent[];
  /** Whether the token requires a channel and returns ackIds (Splunk's `useACK`). */
  useAck: boolean;
  ackMode: AckMode;
  /** Ack polls received (bodies parsed). */
  readonly ackPolls: number[][];
  /** ackIds reported true, in order. */
  readonly acked: number[];
}

function reply(status: number, text: string, code: number, extra: Record<string, unknown> = {}): PeerReply {
  return { status, body: JSON.stringify({ text, code, ...extra }) };
}

/**
 * Splits concatenated JSON objects ({…}{…}, optional whitespace between), as HEC's /event endpoint reads a batch.
 * Throws on anything else.
 */
export function splitConcatenatedJson(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let start = -1;
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{') {
      if (depth === 0) start = i;
      depth += 1;
    } else if (ch === '}') {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
      if (depth < 0) throw new Error('unbalanced');
    } else if (depth === 0 && !/\s/.test(ch ?? '')) throw new Error(`unexpected ${ch ?? ''} between events`);
  }
  if (depth !== 0 || inString) throw new Error('truncated');
  return values;
}

export async function startSplunkHecPeer(
  options: { token?: string; useAck?: boolean; tls?: PeerTls } = {},
): Promise<SplunkHecPeer> {
  const token = options.token ?? '11111111-2222-3333-4444-555555555555';
  const events: HecEvent[] = [];
  const ackPolls: number[][] = [];
  const acked: number[] = [];
  // Per channel: next ackId, and per ackId the number of polls seen.
  const channels = new Map<string, { next: number; pending: Map<number, number> }>();

  function channelOf(request: PeerRequest): string | undefined {
    const header = request.headers['x-splunk-request-channel'];
    if (typeof header === 'string') return header;
    return new URL(request.url, 'http://x').searchParams.get('channel') ?? undefined;
  }

  function authError(request: PeerRequest): PeerReply | undefined {
    const auth = request.headers['authorization'];
    if (auth === undefined) return reply(401, 'Token is required', 2);
    if (!auth.startsWith('Splunk ')) return reply(401, 'Invalid authorization', 3);
    if (auth.slice('Splunk '.length) !== token) return reply(403, 'Invalid token', 4);
    return undefined;
  }

  function handleEvents(request: PeerRequest): PeerReply {
    const text = request.body.toString('utf8');
    if (text.trim() === '') return reply(400, 'No data', 5);
    let parsed: unknown[];
    try {
      parsed = splitConcatenatedJson(text);
    } catch {
      return reply(400, 'Invalid data format', 6, { 'invalid-event-number': 0 });
    }
    const batch: HecEvent[] = [];
    for (const [n, value] of parsed.entries()) {
      const obj = value as Record<string, unknown>;
      if (!('event' in obj)) return reply(400, 'Event field is required', 12, { 'invalid-event-number': n });
      if (obj['event'] === '' || obj['event'] === null) {
        return reply(400, 'Event field cannot be blank', 13, { 'invalid-event-number': n });
      }
      batch.push(obj as unknown as HecEvent);
    }
    if (peer.useAck) {
      const channel = channelOf(request);
      if (channel === undefined) return reply(400, 'Data channel is missing', 10);
      const state = channels.get(channel) ?? { next: 0, pending: new Map<number, number>() };
      channels.set(channel, state);
      const ackId = state.next;
      state.next += 1;
      state.pending.set(ackId, 0);
      events.push(...batch);
      return reply(200, 'Success', 0, { ackId });
    }
    events.push(...batch);
    return reply(200, 'Success', 0);
  }

  function handleAck(request: PeerRequest): PeerReply {
    if (!peer.useAck) return reply(400, 'ACK is disabled', 14);
    const channel = channelOf(request);
    if (channel === undefined) return reply(400, 'Data channel is missing', 10);
    const state = channels.get(channel);
    if (!state) return reply(400, 'Invalid data channel', 11);
    let ids: number[];
    try {
      ids = (JSON.parse(request.body.toString('utf8')) as { acks: number[] }).acks;
    } catch {
      return reply(400, 'Invalid data format', 6);
    }
    ackPolls.push(ids);
    const acks: Record<string, boolean> = {};
    for (const id of ids) {
      const polls = state.pending.get(id);
      if (polls === undefined) {
        acks[String(id)] = false; // unknown, or already reported true (Splunk forgets it then)
        continue;
      }
      const mode = peer.ackMode;
      const ready = mode.kind === 'immediate' || (mode.kind === 'after-polls' && polls + 1 >= mode.polls);
      if (ready) {
        state.pending.delete(id);
        acked.push(id);
        acks[String(id)] = true;
      } else {
        state.pending.set(id, polls + 1);
        acks[String(id)] = false;
      }
    }
    return { status: 200, body: JSON.stringify({ acks }) };
  }

  const handle = (request: PeerRequest): PeerReply => {
    const path = new URL(request.url, 'http://x').pathname;
    const denied = authError(request);
    if (denied) return denied;
    if (path === '/services/collector/event' || path === '/services/collector') return handleEvents(request);
    if (path === '/services/collector/ack') return handleAck(request);
    if (path === '/services/collector/health') return reply(200, 'HEC is healthy', 17);
    return { status: 404, body: '{"text":"The requested URL was not found on this server.","code":404}' };
  };

  const peer = Object.assign(
    await startHttpPeer({
      ...(options.tls ? { tls: options.tls } : {}),
      handle,
      failures: {
        transient: reply(503, 'Server is busy', 9),
        permanent: reply(400, 'Incorrect index', 7),
        throttled: { ...reply(503, 'Server is busy', 9), headers: { 'retry-after': '2' } },
      },
    }),
    {
      token,
      events,
      ackPolls,
      acked,
      useAck: options.useAck ?? false,
      ackMode: { kind: 'immediate' } as AckMode,
    },
  );
  return peer;
}
