// A local HTTP collector that can be stopped and started on the same port, answer 503/429, hold requests or be slow.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from '../../helpers/free-port.js';

/** What the collector does with the next request. `hold` reads it and answers nothing until released. */
export type CollectorReply = { status: number; headers?: Record<string, string> } | 'hold';

export interface ReceivedLine {
  /** The line as it arrived. */
  text: string;
  /** Parsed, or undefined when the line is not JSON (a torn or mangled record). */
  record?: { record_id?: unknown; project_id?: unknown };
}

interface Held {
  res: ServerResponse;
  lines: ReceivedLine[];
}

export interface FaultCollector {
  readonly port: number;
  readonly url: string;
  /** Answer to every request from now on (default 200). */
  reply: CollectorReply;
  /** Wait before answering (a slow collector); records are stored when the answer is given, client gone or not. */
  delayMs: number;
  /** Lines of every request answered 2xx: what the collector stored. */
  readonly stored: ReceivedLine[];
  /** Every answer given, in order (held requests count once answered); `late`: the client had given up by then. */
  readonly answered: Array<{ status: number; at: number; late: boolean }>;
  /** Requests read but not answered yet because the reply is `hold`. */
  held(): ReadonlyArray<{ lines: ReceivedLine[] }>;
  /** Answers every held request with the current reply. A held request whose client went away was never stored. */
  release(): void;
  /** Closes the port and cuts every connection: the target sees ECONNREFUSED until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

function parseLines(body: string): ReceivedLine[] {
  return body
    .split('\n')
    .filter((text) => text !== '')
    .map((text) => {
      try {
        return { text, record: JSON.parse(text) as ReceivedLine['record'] };
      } catch {
        return { text };
      }
    });
}

export async function startFaultCollector(): Promise<FaultCollector> {
  const port = await freePort();
  const stored: ReceivedLine[] = [];
  const answered: Array<{ status: number; at: number; late: boolean }> = [];
  const held: Held[] = [];
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  /** Bumped by stop(): a slow answer still pending from before a stop is never given (the collector went down). */
  let generation = 0;

  /** Like a SIEM that commits before it answers: the records are stored even if the client gave up meanwhile. */
  function answer(res: ServerResponse, lines: ReceivedLine[], reply: Exclude<CollectorReply, 'hold'>): void {
    const late = res.writableEnded || !res.socket || res.socket.destroyed;
    answered.push({ status: reply.status, at: Date.now(), late });
    if (reply.status >= 200 && reply.status < 300) stored.push(...lines);
    if (late) return;
    res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
    res.end(reply.status < 300 ? '{"ok":true}' : '{"error":"scripted"}');
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const lines = parseLines(Buffer.concat(chunks).toString('utf8'));
      const arrivedIn = generation;
      const respond = (): void => {
        if (arrivedIn !== generation) return;
        const reply = collector.reply;
        if (reply === 'hold') {
          held.push({ res, lines });
          res.on('close', () => {
            const at = held.findIndex((entry) => entry.res === res);
            if (at !== -1) held.splice(at, 1);
          });
          return;
        }
        answer(res, lines, reply);
      };
      if (collector.delayMs > 0) setTimeout(respond, collector.delayMs);
      else respond();
    });
  }

  async function start(): Promise<void> {
    const next = createServer(onRequest);
    next.keepAliveTimeout = 5_000;
    next.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => resolve());
    });
    server = next;
  }

  async function stop(): Promise<void> {
    const running = server;
    server = undefined;
    if (!running) return;
    generation += 1;
    held.splice(0);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => running.close(() => resolve()));
  }

  const collector: FaultCollector = {
    port,
    url: `http://127.0.0.1:${port}/ingest`,
    reply: { status: 200 },
    delayMs: 0,
    stored,
    answered,
    held: () => held.map(({ lines }) => ({ lines })),
    release() {
      const reply = collector.reply;
      if (reply === 'hold') return;
      for (const entry of held.splice(0)) answer(entry.res, entry.lines, reply);
    },
    start,
    stop,
    close: stop,
  };
  await start();
  return collector;
}
