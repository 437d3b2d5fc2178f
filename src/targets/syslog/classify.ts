// Classifies what only syslog over UDP meets: datagrams too large for the socket or for maxMessageBytes.
import { permanent, type SendError } from '../../errors.js';
import { classifySocketError } from '../shared/classify-socket.js';

/** EMSGSIZE (a datagram larger than the socket allows) → permanent 'record_rejected': no retry shrinks it. */
export function classifyDatagramError(error: unknown, what: string): SendError {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'EMSGSIZE')
    return permanent('record_rejected', `${what}: datagram too large (EMSGSIZE)`, error);
  return classifySocketError(error, what);
}

/** Records over maxMessageBytes (udpOversize: reject): permanent, so they reach the dead-letter queue intact. */
export function oversizeError(what: string, oversize: readonly string[], maxBytes: number): SendError {
  return permanent(
    'record_too_large',
    `${what}: ${oversize.length} record(s) exceed maxMessageBytes ${maxBytes} for UDP: ${oversize.slice(0, 10).join(', ')}` +
      ' (use tcp or tls, raise maxMessageBytes, or set udpOversize: truncate)',
  );
}
