// Classifies socket, TLS and datagram errors of the syslog connection into DeliveryErrors that say whether a retry helps.
import { SendError, permanent, retryable } from '../../errors.js';

/** Codes Node and OpenSSL use for a failed certificate check or handshake (X509_V_ERR_* names, ERR_TLS_*, ERR_SSL_*). */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);

export function isTlsErrorCode(code: string): boolean {
  return (
    TLS_CODES.has(code) ||
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('UNABLE_TO_')
  );
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Maps an error to a SendError; `what` names the target and peer ("syslog target siem (10.0.0.5:6514)").
 *
 * - Network errors (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, EHOSTUNREACH, DNS failures, …) → retryable
 *   'network_error': the collector may come back.
 * - TLS failures → retryable 'tls_error': fixing a CA or certificate needs an operator, but the records must not be
 *   lost meanwhile, so the job retries with backoff until its age limit and then dead-letters.
 * - EMSGSIZE (a datagram larger than the socket allows) → permanent 'record_rejected': no retry shrinks it.
 * - Anything else → retryable 'network_error' (unknown is not proof that a retry cannot help).
 */
export function classifySocketError(error: unknown, what: string): SendError {
  if (error instanceof SendError) return error;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'EMSGSIZE')
    return permanent('record_rejected', `${what}: datagram too large (EMSGSIZE)`, error);
  if (isTlsErrorCode(code)) return retryable('tls_error', `${what}: TLS failed (${code}: ${message})`, error);
  if (/certificate|SSL routines|tlsv1 alert|wrong version number/i.test(message)) {
    return retryable('tls_error', `${what}: TLS failed (${message})`, error);
  }
  return retryable('network_error', `${what}: ${code || message}`, error);
}
