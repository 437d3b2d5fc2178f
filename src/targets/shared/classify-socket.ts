// Classifies a failure below the protocol (socket, TLS handshake, own timeout, abort) of an HTTP or stream target.
import { SendError, retryable } from '../../errors.js';
import { RequestAbortedError, RequestTimeoutError } from './http-request.js';

/** Node's codes for a peer that cannot be reached or went away, and the HTTP parser's for a connection cut mid-answer. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_CHUNK_SIZE',
]);

/**
 * A TLS failure, tested against `<code> <message>`: OpenSSL's verification codes as Node names them
 * (CERT_HAS_EXPIRED, DEPTH_ZERO_SELF_SIGNED_CERT, SELF_SIGNED_CERT_IN_CHAIN, UNABLE_TO_VERIFY_LEAF_SIGNATURE, …),
 * Node's ERR_TLS_* and ERR_SSL_*, HOSTNAME_MISMATCH and EPROTO; or, when the code says nothing, OpenSSL's own words.
 */
const TLS_FAILURE =
  /^(?:\w*CERT\w*|ERR_TLS_\w+|ERR_SSL_\w+|UNABLE_TO_\w+|HOSTNAME_MISMATCH|EPROTO) |certificate|SSL routines|tlsv1 alert|wrong version number/i;

/**
 * Every case is retryable: a refused connection or an expired certificate can be fixed on the peer side while the
 * job waits, and the dead-letter policy bounds the retries. TLS failures keep their own code so that operators see
 * them ('tls_error'); there is never a plaintext fallback. An unknown error is not proof that a retry cannot help.
 */
export function classifySocketError(error: unknown, what: string): SendError {
  if (error instanceof SendError) return error;
  if (error instanceof RequestTimeoutError) return retryable('timeout', `${what}: ${error.message}`, error);
  if (error instanceof RequestAbortedError)
    return retryable('target_closed', `${what}: ${error.message}`, error);
  const err = error as (Error & { code?: unknown }) | undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const message = err instanceof Error ? err.message : String(error);
  if (TLS_FAILURE.test(`${code} ${message}`)) {
    return retryable('tls_error', `${what}: TLS failed (${code ? `${code}: ` : ''}${message})`, error);
  }
  if (NETWORK_CODES.has(code) || /socket hang up|ECONNRESET|EPIPE/i.test(message)) {
    return retryable('network_error', `${what}: ${code || message}`, error);
  }
  if (err?.name === 'AbortError') return retryable('target_closed', `${what}: request aborted`, error);
  return retryable('network_error', `${what}: ${code ? `${code} ` : ''}${message}`, error);
}
