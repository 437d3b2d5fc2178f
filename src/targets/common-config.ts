// Fields every target shares: its name, record format, filter, concurrency and rate limit.
import { z } from 'zod';
import { OUTPUT_FORMATS, SEVERITIES } from '../../normalizers/index.js';

export { OUTPUT_FORMATS, SEVERITIES };

/** Record actions a filter can pick: findings introduced or resolved, snapshot summaries, generic events. */
export const FILTER_ACTIONS = ['introduced', 'resolved', 'summary', 'event'] as const;

export const filterSchema = z.strictObject({
  /** Drop findings below this severity (summaries and generic events have none and always pass). */
  minSeverity: z.enum(SEVERITIES).optional(),
  /** Which records to send; default: all of them. */
  actions: z.array(z.enum(FILTER_ACTIONS)).min(1).optional(),
  /** Org ids, slugs or names to keep (default: all). */
  includeOrgs: z.array(z.string().min(1)).optional(),
  excludeOrgs: z.array(z.string().min(1)).optional(),
  /** Project ids or names to keep (default: all). */
  includeProjects: z.array(z.string().min(1)).optional(),
  excludeProjects: z.array(z.string().min(1)).optional(),
});
export type TargetFilter = z.infer<typeof filterSchema>;

/** Smallest record budget: a lower value is a slip, as even a snapshot summary takes about 1 KB in every format. */
export const MIN_RECORD_BYTES = 512;

/** `maxRecordBytes`: 0 (no limit) or at least MIN_RECORD_BYTES. */
export function maxRecordBytesSchema() {
  return z
    .number()
    .int()
    .min(0)
    .max(256 * 1_048_576)
    .refine((bytes) => bytes === 0 || bytes >= MIN_RECORD_BYTES, {
      message: `maxRecordBytes is 0 (no limit) or at least ${MIN_RECORD_BYTES} bytes`,
    });
}

export const TARGET_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Names a target cannot take, each with the reason. "ingest" is what `dlq` calls the ingest queue's dead letters, so
 * a target of that name could not be told apart from it. No other name can collide: a target's queue is
 * `target-<name>` (src/queue/names.ts) and BullMQ keys are `<prefix>:<queue>:<suffix>`, which the pattern's lack of
 * ":" keeps apart.
 */
export const RESERVED_TARGET_NAMES: ReadonlyMap<string, string> = new Map([
  ['ingest', 'it names the ingest queue in the dead-letter commands, as in dlq list --target ingest'],
]);

export const commonTargetFields = {
  name: z
    .string()
    .regex(
      TARGET_NAME_PATTERN,
      'use 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit',
    )
    .superRefine((name, ctx) => {
      const reason = RESERVED_TARGET_NAMES.get(name);
      if (reason !== undefined)
        ctx.addIssue({ code: 'custom', message: `"${name}" is reserved (${reason}); choose another name` });
    }),
  filter: filterSchema.default({}),
  /** Target jobs this process sends to the target at once. */
  concurrency: z.number().int().min(1).max(256).default(4),
  /** Optional cap: at most `max` target jobs per `durationMs`, across every worker process. */
  rateLimit: z.strictObject({ max: z.number().int().min(1), durationMs: z.number().int().min(1) }).optional(),
  /** A disabled target gets no new target jobs; its queue and dead letters stay. */
  enabled: z.boolean().default(true),
  /**
   * Largest encoded record in UTF-8 bytes; a longer one loses advisory, then title text (fit to size,
   * docs/targets/syslog.md#fit-to-size). 0 turns fitting off. The default depends on the type (record-budget.ts).
   */
  maxRecordBytes: maxRecordBytesSchema().optional(),
};
