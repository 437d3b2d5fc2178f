// The receiver's error registry: every error answer is JSON with a stable code (listed in docs/receiver.md).

export const RECEIVER_ERRORS = {
  missing_signature: { status: 401, message: 'X-Hub-Signature header is missing' },
  invalid_signature: {
    status: 401,
    message: 'X-Hub-Signature does not match the body for any configured secret',
  },
  missing_event: { status: 400, message: 'X-Snyk-Event header is missing' },
  invalid_json: { status: 400, message: 'the body is not a JSON object' },
  body_too_large: { status: 413, message: 'the body is larger than receiver.maxBodyBytes' },
  body_read_failed: { status: 400, message: 'the body could not be read' },
  unsupported_encoding: {
    status: 415,
    message: 'Content-Encoding is not supported: send the body uncompressed',
  },
  queue_unavailable: { status: 503, message: 'the queue is unavailable; retry later' },
  receiver_busy: {
    status: 503,
    message: 'too many request bodies are being received at once; retry later',
  },
  not_found: { status: 404, message: 'no such route' },
  method_not_allowed: { status: 405, message: 'method not allowed' },
  internal_error: { status: 500, message: 'internal error' },
} as const;

/** Seconds a sender should wait after a 503 (RFC 9110 §10.2.3, Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

export type ReceiverErrorCode = keyof typeof RECEIVER_ERRORS;

/** Thrown by receiver middleware; the error middleware turns it into a JSON answer. */
export class ReceiverError extends Error {
  readonly code: ReceiverErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** Why, for the daemon's log only (e.g. the Redis error behind a 503); never sent to the client. */
  readonly detail: string | undefined;

  constructor(code: ReceiverErrorCode, headers: Record<string, string> = {}, detail?: string) {
    super(RECEIVER_ERRORS[code].message);
    this.name = 'ReceiverError';
    this.code = code;
    this.status = RECEIVER_ERRORS[code].status;
    this.headers = headers;
    this.detail = detail;
  }
}
