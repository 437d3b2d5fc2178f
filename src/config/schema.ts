// The one configuration schema: YAML file and environment variables are both validated against it, once.
import { z } from 'zod';
import { checkRedisUrl } from '../redis/connection.js';
import { checkHostPort, hashTagOf } from '../redis/endpoint.js';
import { tlsSchema } from '../net/tls.js';
import { targetSchema } from '../targets/target-schema.js';
import { DEFAULT_API_URL, parseApiUrl } from '../snyk/regions.js';
import { checkWebhookUrl } from '../snyk/webhook-url.js';

const MIB = 1024 * 1024;

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

const receiverFields = z.strictObject({
  /** Address the webhook listener binds to. */
  host: z.string().min(1).default('0.0.0.0'),
  port: z.number().int().min(0).max(65535).default(8080),
  /** Path Snyk posts to. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9/_.~-]*$/, 'must start with "/" and hold only URL path characters')
    .default('/webhooks/snyk'),
  /**
   * Largest accepted body; larger requests get 413 before the rest is read. 32 MiB holds a snapshot of about 3,000
   * issues at the largest issue size of the public samples (docs/receiver.md, "Body size limit").
   */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * MIB)
    .default(32 * MIB),
  /**
   * Bytes of bodies whose signature is not checked yet, across all requests at once; a body that would pass it gets
   * 503 with Retry-After. Bounds the memory unauthenticated senders can make the receiver hold.
   */
  unverifiedBodyBudgetBytes: z
    .number()
    .int()
    .min(1024)
    .max(4096 * MIB)
    .default(64 * MIB),
  /**
   * Connections open at once; past it the connection idle the longest is closed (or the new one, when none is idle).
   * Lowered at start to fit the process's open-file limit.
   */
  maxConnections: z.number().int().min(8).max(1_000_000).default(512),
  /** A delivery with the same body (SHA-256; headers are unsigned) within this window is stored once. */
  dedupWindowSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 24 * 3600)
    .default(24 * 3600),
  /** Accepted webhook secrets; several during a rotation. Usually set through SNYK_WEBHOOK_SECRET. */
  secrets: z.array(z.string().min(16, 'a webhook secret needs at least 16 characters')).default([]),
  /** Longest time a request may take to arrive in full; slower clients get 408. */
  requestTimeoutMs: z.number().int().min(1000).default(30_000),
  /**
   * Rejected webhooks (400, 401, 413, 415, 503) logged one line each per minute; past it they are only counted, and
   * one summary line per minute gives the count, so a flood cannot fill the disk. 0 logs only the summaries.
   */
  rejectLogPerMinute: z.number().int().min(0).max(10_000).default(20),
});

/** The receiver's keys, with the check that relates two of them. */
export const receiverSchema = receiverFields.refine(
  (receiver) => receiver.unverifiedBodyBudgetBytes >= receiver.maxBodyBytes,
  {
    path: ['unverifiedBodyBudgetBytes'],
    message:
      'must be at least receiver.maxBodyBytes, or a body of the largest accepted size could never be received',
  },
);

/** A `host:port` address of a Cluster node or a sentinel, checked with the parser start connects with. */
const hostPortSchema = z.string().superRefine((address, ctx) => {
  const problem = checkHostPort(address);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

export const redisSchema = z
  .strictObject({
    /** redis:// or rediss:// URL; unset starts an embedded redis-server under dataDir. */
    url: z
      .string()
      // The same parser start connects with (src/redis/connection.ts), so validate accepts only URLs start can use.
      .superRefine((url, ctx) => {
        const problem = checkRedisUrl(url);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    /** Redis Cluster: some of its nodes as host:port; the others are learnt from them (CLUSTER SLOTS). */
    cluster: z.strictObject({ nodes: z.array(hostPortSchema).min(1, 'list at least one node') }).optional(),
    /** Redis Sentinel: the sentinels as host:port; they name the current master of `name`. */
    sentinels: z.array(hostPortSchema).min(1, 'list at least one sentinel').optional(),
    /** The master group name the sentinels monitor (`sentinel monitor <name> …`). */
    name: z.string().min(1).optional(),
    /** User (ACL) and password of the Cluster nodes, or of the master and replicas behind Sentinel. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Password of the sentinels themselves (`requirepass` in sentinel.conf), when they have one. */
    sentinelPassword: z.string().min(1).optional(),
    /**
     * Prefix of every key. On Redis Cluster it must hold a hash tag in braces (e.g. "{snyk-siem}"): each queue's keys
     * then share a slot of their own (queue/names.ts queuePrefix).
     */
    prefix: z
      .string()
      .regex(/^[^:\s]+$/, 'must not contain ":" or spaces')
      .default('snyk-siem'),
    /** Receiver: how long an enqueue may wait for Redis before answering 503. */
    commandTimeoutMs: z.number().int().min(100).max(10_000).default(1500),
    /** TLS for a rediss:// URL, or to every Cluster node or sentinel and master: a private CA, a client certificate. */
    tls: tlsSchema.optional(),
  })
  .superRefine((redis, ctx) => {
    const problem = (path: string, message: string) =>
      ctx.addIssue({ code: 'custom', path: [path], message });
    const kinds = [
      redis.url && 'redis.url',
      redis.cluster && 'redis.cluster',
      redis.sentinels && 'redis.sentinels',
    ]
      .filter(Boolean)
      .join(', ');
    if (kinds.includes(','))
      problem(
        redis.cluster ? 'cluster' : 'sentinels',
        `${kinds} each name a whole Redis; set only one of them (a URL for one server, cluster.nodes for a Cluster, sentinels and name for Sentinel)`,
      );
    if (redis.sentinels && redis.name === undefined)
      problem(
        'name',
        'Sentinel needs the master group name the sentinels monitor ("sentinel monitor <name> …")',
      );
    if (redis.name !== undefined && !redis.sentinels)
      problem('name', 'is the Sentinel master group name: set redis.sentinels too, or remove it');
    if (redis.sentinelPassword !== undefined && !redis.sentinels)
      problem('sentinelPassword', 'is only used with redis.sentinels');
    for (const key of ['username', 'password'] as const)
      if (redis[key] !== undefined && !redis.cluster && !redis.sentinels)
        problem(
          key,
          redis.url
            ? `with redis.url, write the ${key === 'username' ? 'user' : key} in the URL (redis://user:password@host:port)`
            : 'is only used with redis.cluster or redis.sentinels',
        );
    // BullMQ's scripts touch several keys of a queue at once; on a Cluster they must share a slot
    // (https://docs.bullmq.io/patterns/redis-cluster).
    if (redis.cluster && hashTagOf(redis.prefix) === undefined)
      problem(
        'prefix',
        `Redis Cluster needs a hash tag in the prefix, so that each queue's keys share one slot: write it in braces, e.g. "{${redis.prefix.replace(/[{}]/g, '') || 'snyk-siem'}}" (REDIS_PREFIX)`,
      );
    if (
      redis.tls !== undefined &&
      !redis.cluster &&
      !redis.sentinels &&
      redis.url?.startsWith('rediss://') !== true
    )
      problem('tls', 'redis.tls needs a rediss:// URL, redis.cluster or redis.sentinels');
  });

export const retrySchema = z.strictObject({
  /** First backoff step; each retry doubles the ceiling, and the wait is drawn uniformly below it (full jitter). */
  baseDelayMs: z.number().int().min(10).default(1000),
  /** Highest backoff ceiling. */
  maxDelayMs: z
    .number()
    .int()
    .min(10)
    .default(5 * 60 * 1000),
  /** Attempts before a target job is dead-lettered; 0 means no count limit (maxRetryAgeSeconds still applies). */
  attempts: z.number().int().min(0).default(0),
  /** A target job older than this is dead-lettered at its next failure. */
  maxRetryAgeSeconds: z
    .number()
    .int()
    .min(1)
    .default(7 * 24 * 3600),
});

export const workersSchema = z.strictObject({
  /** Ingest jobs (normalise and fan out) processed at once. */
  ingestConcurrency: z.number().int().min(1).max(64).default(4),
  /** On SIGTERM, how long in-flight jobs may run before they are abandoned to stalled-job recovery. */
  shutdownGraceMs: z.number().int().min(0).default(20_000),
  /** Completed jobs kept for inspection, per queue. */
  keepCompleted: z.number().int().min(0).default(1000),
  /**
   * Completed jobs older than this are removed too (when a later job of the same queue completes: BullMQ has no
   * timer for it). They hold no records and no raw body, only ids, counts and timestamps.
   */
  keepCompletedSeconds: z.number().int().min(1).default(3600),
  /**
   * Failed attempts that will be retried, logged one line each per minute and queue; the rest of the minute is
   * counted into one summary line, so a target that stays down cannot fill the disk. Dead letters are always logged.
   */
  retryLogPerMinute: z.number().int().min(0).default(10),
  /**
   * How long a worker's lock on an active job lasts; renewed every half of it while the job runs. A job whose worker
   * died (or whose event loop was blocked this long) is recovered once it expires.
   */
  lockDurationMs: z.number().int().min(1000).max(600_000).default(30_000),
  /** How often workers look for active jobs whose lock expired and hand them back to the queue. */
  stalledIntervalMs: z.number().int().min(1000).max(600_000).default(15_000),
  /**
   * Times a job may be recovered that way before it is dead-lettered ("job stalled more than allowable limit"):
   * a crash loop of a few restarts must not dead-letter the jobs in flight, but a job that crashes the worker every
   * time must end in the dead-letter queue eventually.
   */
  maxStalledCount: z.number().int().min(0).max(1000).default(10),
});

/**
 * Optional copy of the daemon's own logs to a local syslog daemon (winston-syslog). This is for operating the
 * forwarder, never for shipping records: records go through the syslog target (docs/targets/syslog.md says why).
 */
export const logSyslogSchema = z.strictObject({
  protocol: z.enum(['udp4', 'tcp4', 'unix']).default('udp4'),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(1).max(65535).default(514),
  /** Socket path for protocol unix, e.g. /dev/log. */
  path: z.string().min(1).optional(),
  appName: z.string().min(1).max(48).default('snyk-siem-forwarder'),
  facility: z.string().min(1).default('daemon'),
});

export const logSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default('info'),
  /** json: one JSON object per line; text: readable lines; auto: text on a terminal, else json. */
  format: z.enum(['auto', 'json', 'text']).default('auto'),
  syslog: logSyslogSchema.optional(),
});

/**
 * The operators' listener (src/admin/): /metrics, /healthz, /readyz and the queue dashboard, in every role. Apart from
 * the receiver's so that the public webhook port never serves them (docs/operations.md, "Admin listener").
 */
export const adminSchema = z
  .strictObject({
    /** Loopback by default: a scraper or probe elsewhere needs an address it can reach, and the token for the dashboard. */
    host: z.string().min(1).default('127.0.0.1'),
    /** 9464: the port Prometheus exporters of OpenTelemetry use by default; 0 picks a free one. */
    port: z.number().int().min(0).max(65535).default(9464),
    /** Bearer token of the queue dashboard; without one (and no tokenFile) the dashboard is off. Usually ADMIN_TOKEN. */
    token: z.string().min(16, 'an admin token needs at least 16 characters').optional(),
    /** A file holding the token (one trailing newline dropped), read at start: a mounted secret. */
    tokenFile: z.string().min(1).optional(),
    dashboard: z
      .strictObject({
        /** Shows the queues without the buttons that retry, promote, clean or remove jobs. */
        readOnly: z.boolean().default(false),
      })
      .default({ readOnly: false }),
    metrics: z
      .strictObject({
        /** /metrics answers 401 without `Authorization: Bearer <admin token>`; off: open like the probes. */
        requireToken: z.boolean().default(false),
      })
      .default({ requireToken: false }),
  })
  .refine((admin) => admin.token === undefined || admin.tokenFile === undefined, {
    path: ['tokenFile'],
    message: 'set admin.token or admin.tokenFile, not both',
  })
  .refine(
    (admin) => !admin.metrics.requireToken || admin.token !== undefined || admin.tokenFile !== undefined,
    {
      path: ['metrics', 'requireToken'],
      message: 'needs admin.token (ADMIN_TOKEN) or admin.tokenFile: there would be no token to require',
    },
  );

/** A Snyk organization ID as the v1 API takes it in `/org/{orgId}` (a UUID); nothing that could leave the path segment. */
const orgIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/,
    'must be an organization ID (a UUID, from the org settings in Snyk)',
  );

/**
 * Snyk's v1 API, for `webhooks …` and the heartbeat (docs/snyk.md). Only the heartbeat makes the daemon call Snyk; the
 * keys change with a restart.
 */
export const snykSchema = z
  .strictObject({
    /** The regional API host, or a region's name (SNYK-EU-01); the v1 API is below /v1. Usually SNYK_API_URL. */
    apiUrl: z
      .string()
      .transform((value, ctx) => {
        const parsed = parseApiUrl(value);
        if ('url' in parsed) return parsed.url;
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      })
      .default(DEFAULT_API_URL),
    /** API token (Authorization: token …); a service account's is best. Usually SNYK_TOKEN or SNYK_TOKEN_FILE. */
    token: z
      .string()
      .regex(/^\S+$/, 'must be one word without spaces or line breaks (check for a stray newline)')
      .optional(),
    /** A file holding the token (one trailing newline dropped), read at start: a mounted secret. */
    tokenFile: z.string().min(1).optional(),
    /** Organizations whose webhooks the heartbeat pings, each with its own snyk_last_ping_timestamp_seconds series. */
    orgs: z.array(orgIdSchema).max(100).default([]),
    /** This forwarder's public webhook URL, as registered with Snyk: https (http only to a loopback address). */
    webhookUrl: z
      .string()
      .superRefine((value, ctx) => {
        const checked = checkWebhookUrl(value);
        if ('problem' in checked) ctx.addIssue({ code: 'custom', message: checked.problem });
      })
      .optional(),
    /** Minutes between heartbeat pings; 0 turns the heartbeat off. Fractions are allowed (tests use seconds). */
    heartbeatMinutes: z.number().min(0).max(1440).default(0),
    /**
     * Reconciliation with Snyk's REST API (docs/reconcile.md): finds the findings whose webhook delivery was lost and
     * emits them to the targets. The `reconcile` command runs it by hand.
     */
    reconcile: z
      .strictObject({
        /**
         * Minutes between scheduled runs, once per period across every worker process (a BullMQ job scheduler);
         * 0 turns the schedule off. Fractions are allowed (tests use seconds).
         */
        everyMinutes: z.number().min(0).max(10_080).default(0),
        /** Organizations the schedule reconciles, each with its own reconcile_* metrics. */
        orgs: z.array(orgIdSchema).max(100).default([]),
      })
      .default({ everyMinutes: 0, orgs: [] }),
  })
  .refine((snyk) => snyk.token === undefined || snyk.tokenFile === undefined, {
    path: ['tokenFile'],
    message: 'set snyk.token (SNYK_TOKEN) or snyk.tokenFile, not both',
  })
  .superRefine((snyk, ctx) => {
    const { everyMinutes, orgs } = snyk.reconcile;
    if (everyMinutes === 0) return;
    if (everyMinutes < 0.05)
      ctx.addIssue({
        code: 'custom',
        path: ['reconcile', 'everyMinutes'],
        message: 'must be 0 (off) or at least 0.05 (3 seconds)',
      });
    if (orgs.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['reconcile', 'orgs'],
        message: 'the reconciliation schedule needs at least one organization ID to reconcile',
      });
    if (snyk.token === undefined && snyk.tokenFile === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message:
          'the reconciliation schedule needs an API token: set SNYK_TOKEN, SNYK_TOKEN_FILE or snyk.tokenFile',
      });
  })
  .superRefine((snyk, ctx) => {
    if (snyk.heartbeatMinutes === 0) return;
    if (snyk.heartbeatMinutes < 0.05)
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatMinutes'],
        message: 'must be 0 (off) or at least 0.05 (3 seconds)',
      });
    if (snyk.orgs.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['orgs'],
        message: 'the heartbeat needs at least one organization ID to ping the webhooks of',
      });
    if (snyk.webhookUrl === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message:
          "the heartbeat needs this forwarder's public webhook URL, to find its webhooks among the org's",
      });
    if (snyk.token === undefined && snyk.tokenFile === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'the heartbeat needs an API token: set SNYK_TOKEN, SNYK_TOKEN_FILE or snyk.tokenFile',
      });
  });

export const configSchema = z
  .strictObject({
    /** Where the embedded Redis, the generated secret and the default output file live. */
    dataDir: z.string().min(1).default('./data'),
    receiver: receiverSchema.default(receiverSchema.parse({})),
    redis: redisSchema.default(redisSchema.parse({})),
    retry: retrySchema.default(retrySchema.parse({})),
    workers: workersSchema.default(workersSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
    admin: adminSchema.default(adminSchema.parse({})),
    targets: z.array(targetSchema).default([]),
    snyk: snykSchema.default(snykSchema.parse({})),
  })
  // Both listeners bind in the same process: one port for both could never start (EADDRINUSE).
  .refine((config) => config.admin.port === 0 || config.admin.port !== config.receiver.port, {
    path: ['admin', 'port'],
    message: 'must differ from receiver.port: the two listeners cannot share a port',
  });

export type Config = z.infer<typeof configSchema>;
export type ReceiverConfig = Config['receiver'];
export type RedisConfig = Config['redis'];
export type RetryConfig = Config['retry'];
export type AdminConfig = Config['admin'];
export type SnykConfig = Config['snyk'];
