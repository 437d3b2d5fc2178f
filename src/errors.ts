// The error registry (each code, its meaning, whether a retry helps, what to do) and the typed errors that carry a code.

/**
 * Whether the forwarder tries again. `yes`: retried with backoff until `retry.attempts` or `retry.maxRetryAgeSeconds`,
 * then dead-lettered with this code. `no`: dead-lettered at once, or (at start) the process stops. `depends`: the
 * message says which case it was.
 */
export type Retried = 'yes' | 'no' | 'depends';

/** Where a code shows up: a failed start (the process exits), or a dead letter of the ingest or a target queue. */
export type ErrorScope = 'start' | 'ingest' | 'target' | 'any queue';

export interface ErrorCodeEntry {
  scope: ErrorScope;
  retried: Retried;
  meaning: string;
  action: string;
}

/**
 * The registry: every code the forwarder raises outside the receiver, whose answers have a registry of their own
 * (receiver/http-errors.ts). Codes are stable and few: they appear in logs, in dead-letter reasons and, later, as a
 * metric label. docs/errors.md is drift-tested against this table (test/errors-doc.test.ts).
 */
export const ERROR_CODES = {
  config_invalid: {
    scope: 'start',
    retried: 'no',
    meaning:
      'The configuration has problems; each is listed on its own line and the process exits with status 2.',
    action: 'Fix the keys named, then check the file with `validate` before starting again.',
  },
  redis_unavailable: {
    scope: 'start',
    retried: 'no',
    meaning:
      'No Redis to use: the embedded redis-server did not start, the one another process owns on `DATA_DIR` does not answer, or no forwarder runs on `DATA_DIR` for a CLI command.',
    action:
      "Read the message: it quotes the redis-server log or names the `DATA_DIR` and process. Use the service's `DATA_DIR`, or set `REDIS_URL`.",
  },
  redis_server_missing: {
    scope: 'start',
    retried: 'no',
    meaning: 'The embedded Redis was asked for (no `REDIS_URL`) and `redis-server` is not on `PATH`.',
    action: 'Install redis-server (the message names the package), or set `REDIS_URL` to an existing Redis.',
  },
  listen_failed: {
    scope: 'start',
    retried: 'no',
    meaning:
      'The receiver could not listen on `receiver.host`:`receiver.port`, or the admin listener on `admin.host`:`admin.port` (address in use, no permission); the message names which.',
    action: 'Free the port or choose another `receiver.port` / `admin.port`, or another host.',
  },
  payload_invalid: {
    scope: 'ingest',
    retried: 'no',
    meaning:
      'A stored delivery cannot be normalised (its body is not JSON, or not a payload the mapping understands); it is kept with its raw body in the ingest dead-letter queue.',
    action:
      '`dlq show ID` shows the payload. If the forwarder should understand it, upgrade and `dlq replay` it; otherwise `dlq purge` it.',
  },
  network_error: {
    scope: 'target',
    retried: 'yes',
    meaning: 'The target could not be reached or dropped the connection (refused, reset, DNS).',
    action:
      'Check that the target is up and reachable from the workers; dead letters can be replayed once it is.',
  },
  timeout: {
    scope: 'target',
    retried: 'yes',
    meaning: "The target did not answer within the target's `timeoutMs`.",
    action: "Check the target's load and the network; raise `timeoutMs` if the target is slow but healthy.",
  },
  http_retryable_status: {
    scope: 'target',
    retried: 'yes',
    meaning:
      'The target answered a status of its `retryOn` list (by default 408, 429 and 5xx but 501) without `Retry-After`.',
    action: "Check the target's health; dead letters can be replayed once it recovers.",
  },
  http_permanent_status: {
    scope: 'target',
    retried: 'no',
    meaning:
      'The target answered a status outside its `retryOn` list: most 4xx (a wrong token or URL), 3xx (redirects are not followed), 501.',
    action: "Fix the target's URL, credentials or index as the message says, then `dlq replay`.",
  },
  rate_limited: {
    scope: 'target',
    retried: 'yes',
    meaning:
      "The target asked to wait (`Retry-After`): the target's queue pauses that long without spending an attempt.",
    action:
      "Nothing while it is occasional; if it lasts, lower the target's `rateLimit` or raise the target's capacity.",
  },
  tls_error: {
    scope: 'target',
    retried: 'yes',
    meaning:
      'The TLS handshake with the target failed (an unknown CA, a name mismatch, an expired certificate); nothing is ever sent in plain text instead.',
    action:
      "Fix the target's `tls` settings or its certificate; the records wait, and dead letters can be replayed.",
  },
  partial_failure: {
    scope: 'target',
    retried: 'yes',
    meaning:
      'Part of a batch failed in a way a retry can fix; the records the target confirmed are not sent again.',
    action: "Check the target's health and the message; usually nothing to do.",
  },
  record_rejected: {
    scope: 'target',
    retried: 'no',
    meaning:
      'The target refused some records for good (a mapping or parsing error); the others were delivered, and the dead letter holds only the refused ones.',
    action:
      "`dlq show ID` gives each refused record's reason. Fix the target's mapping or the record format, then `dlq replay`.",
  },
  record_too_large: {
    scope: 'target',
    retried: 'no',
    meaning:
      "A record is over its target's size limit even with its advisory, title and supplementary lists emptied (`maxRecordBytes`; over UDP, what `maxMessageBytes` leaves after the syslog header), or a UDP message is over `maxMessageBytes` with fitting turned off; the other records were delivered, and the dead letter holds these in full.",
    action:
      'Raise `maxRecordBytes` (or `maxMessageBytes` for UDP), send over TCP or TLS, or pick a more compact format (an ECS finding is about 2.3 KB without its text), then `dlq replay`.',
  },
  io_error: {
    scope: 'target',
    retried: 'depends',
    meaning:
      'A `file` target could not write: retried when it can pass (disk full, lock held), dead-lettered when it cannot (a directory, no permission).',
    action: 'Fix the path, its permissions or the free space as the message says, then `dlq replay`.',
  },
  target_closed: {
    scope: 'target',
    retried: 'yes',
    meaning:
      'The target was closing (a stop or a reload that changed it) while it sent; the job is sent again later.',
    action: 'Nothing: this follows a stop or reload.',
  },
  job_stalled: {
    scope: 'any queue',
    retried: 'no',
    meaning:
      'The worker processing the job stopped (a crash, an out-of-memory kill, a freeze) more than `workers.maxStalledCount` times.',
    action:
      'Find why the worker stopped (its log, the service manager, the memory limit); `dlq replay` once fixed. A job that crashes the worker every time will do so again.',
  },
  internal_error: {
    scope: 'any queue',
    retried: 'yes',
    meaning:
      'An error the forwarder did not classify (a bug, a Redis error outside a send, a fan-out thread lost) ran out of retries.',
    action:
      'Read the message and the error lines before it in the log; report it if it is a bug. `dlq replay` once the cause is gone.',
  },
} as const satisfies Record<string, ErrorCodeEntry>;

/** A stable, low-cardinality code that appears in logs, dead-letter reasons and (later) metric labels. */
export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

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

/** A failure that no retry will fix: the job goes to its queue's dead-letter queue at once. */
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
