// Unit tests of the shared socket classification: network, TLS, own timeout and abort errors.
import { describe, expect, it } from 'vitest';
import { classifySocketError } from '../../../src/targets/shared/classify-socket.js';
import { RequestAbortedError, RequestTimeoutError } from '../../../src/targets/shared/http-request.js';

const what = 'test peer';

describe('classifySocketError', () => {
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH'])(
    '%s → network_error',
    (code) => {
      const error = classifySocketError(withCode(code), what);
      expect(error.retryable).toBe(true);
      expect(error.code).toBe('network_error');
    },
  );
  it('unknown errors stay retryable', () => {
    expect(classifySocketError(new Error('odd'), what)).toMatchObject({
      code: 'network_error',
      retryable: true,
    });
  });
  it('socket hang up → network_error', () => {
    expect(classifySocketError(new Error('socket hang up'), what).code).toBe('network_error');
  });
  it.each([
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'CERT_HAS_EXPIRED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
  ])('%s → tls_error (retryable)', (code) => {
    const error = classifySocketError(withCode(code), what);
    expect(error.code).toBe('tls_error');
    expect(error.retryable).toBe(true);
  });
  it('own timeout and abort', () => {
    expect(classifySocketError(new RequestTimeoutError(100), what).code).toBe('timeout');
    const aborted = classifySocketError(new RequestAbortedError('shutdown'), what);
    expect(aborted.code).toBe('target_closed');
    expect(aborted.retryable).toBe(true);
  });
});
