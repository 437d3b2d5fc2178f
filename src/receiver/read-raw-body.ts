// Reads the request body as raw bytes with a size limit, before anything parses it.
import getRawBody from 'raw-body';
import type { IncomingMessage } from 'node:http';
import { ReceiverError } from './http-errors.js';

/**
 * koa-body is not used here: it hands over a decoded UTF-8 string (invalid bytes become U+FFFD), inflates gzip, and
 * parses JSON before a signature could be checked (docs/receiver.md, "Why not koa-body"). raw-body returns a Buffer,
 * rejects a Content-Length over the limit before reading, and stops reading a chunked body once it passes the limit.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new ReceiverError('unsupported_encoding');
  const length = req.headers['content-length'];
  try {
    return await getRawBody(req, { limit, ...(length !== undefined ? { length } : {}) });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw new ReceiverError('body_too_large', { Connection: 'close' });
    throw new ReceiverError('body_read_failed', { Connection: 'close' });
  }
}
