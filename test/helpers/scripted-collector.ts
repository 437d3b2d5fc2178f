// A local HTTP collector whose next answers are scripted (503, 400, 429 + Retry-After, hang), recording arrivals.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Answer = { status: number; headers?: Record<string, string> } | 'hang';

export interface Arrival {
  at: number;
  lines: Array<Record<string, unknown>>;
  status: number | 'hang';
}

export interface ScriptedCollector {
  url: string;
  arrivals: Arrival[];
  /** Answers to give, in order, before falling back to `fallback`. */
  script: Answer[];
  fallback: Answer;
  /** Record ids of every line answered 2xx. */
  delivered(): string[];
  close(): Promise<void>;
}

export async function startScriptedCollector(fallback: Answer = { status: 200 }): Promise<ScriptedCollector> {
  const arrivals: Arrival[] = [];
  const hung: ServerResponse[] = [];
  const collector: ScriptedCollector = {
    url: '',
    arrivals,
    script: [],
    fallback,
    delivered: () =>
      arrivals
        .filter((a) => typeof a.status === 'number' && a.status < 300)
        .flatMap((a) => a.lines.map((line) => String(line.record_id))),
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const lines = Buffer.concat(chunks)
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const answer = collector.script.shift() ?? collector.fallback;
      arrivals.push({ at: Date.now(), lines, status: answer === 'hang' ? 'hang' : answer.status });
      if (answer === 'hang') {
        hung.push(res);
        return;
      }
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  collector.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ingest`;
  return collector;
}
