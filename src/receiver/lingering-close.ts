// Closes a connection whose request body was not read in full without resetting it, so the client sees the answer.
import type { IncomingMessage } from 'node:http';

export interface LingerBounds {
  /** Most bytes of the unread body to read and discard before closing anyway. */
  maxBytes: number;
  /** Longest time to wait for the rest of the body before closing anyway. */
  maxMs: number;
}

/** How long a connection lingers at most: a sender still uploading on a slow link gets this long to finish. */
export const LINGER_MS = 5000;

/** The bounds for a receiver: twice the largest accepted body, or LINGER_MS, whichever ends first. */
export function lingerBounds(maxBodyBytes: number): LingerBounds {
  return { maxBytes: 2 * maxBodyBytes, maxMs: LINGER_MS };
}

/**
 * Arms a graceful close for a request answered before its body arrived (413, 503, 415, ...). Node answers a
 * `Connection: close` response by ending the socket and destroying it once the answer is flushed; bytes of the body that
 * arrive after that make the kernel send a reset, and a reset can discard the answer from the client's receive buffer
 * before it is read (RFC 9112 §9.6: "the reset packet might erase the client's unacknowledged input buffers"). So,
 * for this socket only, Node's close step (`socket.destroySoon()`, Node docs "net: socket.destroySoon") becomes:
 * half-close after the answer, read and discard the rest of the body within the bounds, then close.
 */
export function lingerAfterAnswer(req: IncomingMessage, bounds: LingerBounds): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    // The FIN follows the answer: the client knows the answer is complete, and may still send.
    socket.end();
    let discarded = 0;
    const close = (): void => {
      clearTimeout(timer);
      req.off('data', discard);
      socket.destroy();
    };
    const timer = setTimeout(close, bounds.maxMs);
    const discard = (chunk: Buffer): void => {
      discarded += chunk.length;
      if (discarded > bounds.maxBytes) close();
    };
    // Once the body ended, or the client closed its side, nothing more comes that a close could reset.
    req.on('data', discard);
    req.once('end', close);
    socket.once('end', close);
    socket.once('close', () => clearTimeout(timer));
    if (req.complete) close();
    else req.resume();
  };
}
