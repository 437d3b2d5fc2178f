// The least a durable webhook receiver in Node can do: node:http, an HMAC check of the body, one LPUSH, then 202.
// A ping (X-Snyk-Event: ping/…) is answered 200 after the HMAC check and stored nowhere, as the forwarder does.
// Usage (bench/end-to-end.ts starts it): tsx bench/baseline-receiver.ts PORT REDIS_URL SECRET
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Redis } from 'ioredis';

const [port, redisUrl, secretArgument] = process.argv.slice(2);
if (port === undefined || redisUrl === undefined || secretArgument === undefined)
  throw new Error('usage: baseline-receiver PORT REDIS_URL SECRET');
const secret: string = secretArgument;

const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });

function signatureMatches(body: Buffer, header: string | string[] | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (!signatureMatches(body, req.headers['x-hub-signature'])) {
      res.writeHead(401).end();
      return;
    }
    // The forwarder answers pings without a job (src/receiver/webhook.ts): so does the baseline.
    if (String(req.headers['x-snyk-event']).startsWith('ping/')) {
      res.writeHead(200).end();
      return;
    }
    // Stored before the answer, as the forwarder does: 202 only once Redis has the body.
    redis.lpush('baseline:webhooks', body).then(
      () => res.writeHead(202).end(),
      () => res.writeHead(503).end(),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.send?.('listening'));
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
  process.exit(0);
});
