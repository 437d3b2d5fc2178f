// Reads the request body as raw bytes, within the size limit and the budget of unverified bytes, before anything parses it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BodyBudget, Reservation } from './body-budget.js';
import { ReceiverError, RETRY_AFTER_SECONDS } from './http-errors.js';

export interface BodyLimits {
  /** receiver.maxBodyBytes */
  maxBytes: number;
  /** Shared by every request: bytes of bodies not verified yet. */
  budget: BodyBudget;
}

/**
 * Tells a client that sent `Expect: 100-continue` to send its body, once the body is known to be welcome (RFC 9110
 * §10.1.1). The server hands such requests over without the interim answer (server.ts, 'checkContinue'), so a body that
 * is too large or over the budget is refused before the client uploads a byte of it.
 */
function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.expect?.toLowerCase() === '100-continue' && !res.headersSent) res.writeContinue();
}

const tooLarge = () => new ReceiverError('body_too_large', { Connection: 'close' });
const readFailed = () => new ReceiverError('body_read_failed', { Connection: 'close' });
const busy = () =>
  new ReceiverError(
    'receiver_busy',
    { 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' },
    'receiver.unverifiedBodyBudgetBytes reached',
  );

/**
 * The body as a Buffer of the bytes received, never decoded: koa-body hands over a UTF-8 string (invalid bytes become
 * U+FFFD), inflates gzip, and parses JSON before a signature could be checked (docs/receiver.md, "Why not koa-body").
 *
 * Memory is bounded twice. A Content-Length over the limit is answered 413 before a byte is read, and one within it is
 * reserved from the budget whole, before reading, so a sender that announces and then dawdles is refused at once. A
 * chunked body (RFC 9112 §7.1) has no length: it reserves as its bytes arrive and is cut off at the limit. Whatever was
 * reserved is released when the read ends, either way: the caller verifies the signature synchronously right after.
 */
export async function readRawBody(
  req: IncomingMessage,
  res: ServerResponse,
  limits: BodyLimits,
): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new ReceiverError('unsupported_encoding');
  // Node's parser has already refused a malformed or doubled Content-Length, and one sent with Transfer-Encoding.
  const header = req.headers['content-length'];
  const declared = header === undefined ? undefined : Number(header);
  if (declared !== undefined && declared > limits.maxBytes) throw tooLarge();
  const reservation = limits.budget.open();
  try {
    if (declared !== undefined && !reservation.grow(declared)) throw busy();
    sendContinue(req, res);
    return await collect(req, declared, limits.maxBytes, reservation);
  } finally {
    reservation.release();
  }
}

function collect(
  req: IncomingMessage,
  declared: number | undefined,
  maxBytes: number,
  reservation: Reservation,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    // With a length, one buffer of that size is filled in place: no second copy when the body is complete.
    const whole = declared !== undefined ? Buffer.allocUnsafeSlow(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;

    const settle = (error: ReceiverError | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFailure);
      req.off('close', onClose);
      if (error) {
        // The rest of the body stays unread until the answer is sent; then it is drained within bounds (lingering-close.ts).
        req.pause();
        chunks.length = 0;
        reject(error);
        return;
      }
      resolve(whole ?? Buffer.concat(chunks, received));
    };
    function onData(chunk: Buffer): void {
      if (received + chunk.length > maxBytes) return settle(tooLarge());
      if (whole) {
        // Node's parser never delivers more than Content-Length bytes, but a wrong count must not write past the end.
        if (received + chunk.length > whole.length) return settle(readFailed());
        chunk.copy(whole, received);
      } else {
        if (!reservation.grow(chunk.length)) return settle(busy());
        chunks.push(chunk);
      }
      received += chunk.length;
    }
    function onEnd(): void {
      settle(declared !== undefined && received !== declared ? readFailed() : undefined);
    }
    function onFailure(): void {
      settle(readFailed());
    }
    function onClose(): void {
      // 'close' after 'end' is normal; before it, the client went away mid-body.
      if (!req.complete) settle(readFailed());
    }
    if (req.readableEnded) {
      onEnd();
      return;
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFailure);
    req.once('close', onClose);
  });
}
