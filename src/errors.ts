// Typed errors: each says whether a retry can help, so one place can map it to BullMQ's decision.

/** A stable, low-cardinality code that appears in logs, dead-letter reasons and (later) metric labels. */
export type ErrorCode =
  | 'config_invalid'
  | 'redis_unavailable'
  | 'redis_server_missing'
  | 'listen_failed'
  | 'payload_invalid'
  | 'network_error'
  | 'timeout'
  | 'http_retryable_status'
  | 'http_permanent_status'
  | 'rate_limited'
  | 'tls_error'
  | 'partial_failure'
  | 'record_rejected'
  | 'io_error'
  | 'target_closed'
  | 'internal_error';

export interface SendErrorOptions {
  code: ErrorCode;
  retryable: boolean;
  /** The peer asked us to wait this long (Retry-After); the attempt is not counted. */
  retryAfterMs?: number | undefined;
  cause?: unknown;
}

/** An error raised while sending records to a target. */
export class SendError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: SendErrorOptions) {
    super(message, { cause: options.cause });
    this.name = 'SendError';
    this.code = options.code;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** A failure that a later attempt can fix: network errors, timeouts, 408, 429, 5xx (not 501). */
export function retryable(code: ErrorCode, message: string, cause?: unknown): SendError {
  return new SendError(message, { code, retryable: true, cause });
}

/** A failure that no retry will fix: the record goes to the target's dead-letter queue. */
export function permanent(code: ErrorCode, message: string, cause?: unknown): SendError {
  return new SendError(message, { code, retryable: false, cause });
}

/** The peer is overloaded and said how long to wait (HTTP 429/503 with Retry-After). */
export function rateLimited(message: string, retryAfterMs: number): SendError {
  return new SendError(message, { code: 'rate_limited', retryable: true, retryAfterMs });
}

/** A configuration problem found at start; the message lists every bad key with a hint. */
export class ConfigError extends Error {
  readonly code = 'config_invalid' as const;
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A problem that stops the daemon from starting, with one line that says how to fix it. */
export class StartupError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'StartupError';
    this.code = code;
  }
}
