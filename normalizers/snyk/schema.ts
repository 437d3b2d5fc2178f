// zod schema of a project_snapshot/v0 envelope: strict where records cannot exist without it, lenient elsewhere.
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { asString, asStringList, optString } from './lenient.js';

// Field tables: Snyk docs "Webhook events and payloads" plus what the real captures in test/fixtures/snyk carry.

const counts = z
  .unknown()
  .optional()
  .transform((v) => {
    const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const n = (x: unknown): number => (typeof x === 'number' && Number.isInteger(x) && x >= 0 ? x : 0);
    return { low: n(o['low']), medium: n(o['medium']), high: n(o['high']), critical: n(o['critical']) };
  });

const tagList = z
  .unknown()
  .optional()
  .transform((v) => {
    const out: { key: string; value: string }[] = [];
    if (!Array.isArray(v)) return out;
    // Tags are project context, not findings: past the list limit they are left out (mapping §8).
    for (const t of v as unknown[]) {
      if (out.length >= LIMITS.itemsPerList) break;
      if (typeof t !== 'object' || t === null) continue;
      const { key, value } = t as Record<string, unknown>;
      const k = asString(key);
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
      if (k !== undefined && text !== undefined) out.push({ key: k, value: asString(text) ?? '' });
    }
    return out;
  });

const attributes = z
  .unknown()
  .optional()
  .transform((v) => {
    const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    return {
      criticality: asStringList(o['criticality']),
      environment: asStringList(o['environment']),
      lifecycle: asStringList(o['lifecycle']),
    };
  });

/** An optional object that is dropped, not refused, when it is null or of the wrong shape (2021 captures send null). */
function lenientObject<T extends z.ZodType>(schema: T) {
  return z
    .unknown()
    .optional()
    .transform((v) => {
      const r = schema.safeParse(v);
      return r.success && typeof v === 'object' && v !== null ? (r.data as z.output<T>) : undefined;
    });
}

export const groupSchema = z.object({ id: optString, name: optString });

export const orgSchema = z.object({
  id: optString,
  name: optString,
  slug: optString,
  url: optString,
  // 2021 captures put the group here (object or null) instead of at the top level
  // (test/fixtures/snyk/README.md, "Variations to parse for").
  group: lenientObject(groupSchema),
});

export const projectSchema = z.object(
  {
    id: z.string({ error: 'project id must be a string' }).min(1, 'project id must not be empty'),
    name: optString,
    type: optString,
    origin: optString,
    branch: optString,
    browseUrl: optString,
    imageId: optString,
    imageTag: optString,
    imageBaseImage: optString,
    imagePlatform: optString,
    imageCluster: optString,
    issueCountsBySeverity: counts,
    tags: tagList,
    attributes,
  },
  { error: 'project must be an object' },
);

export const projectSnapshotSchema = z.object(
  {
    project: projectSchema,
    org: lenientObject(orgSchema),
    group: lenientObject(groupSchema),
    // Issues are read by read-issue.ts, by hand: it is the hot path, and zod costs ~10x more per issue there.
    newIssues: z.array(z.unknown(), { error: 'newIssues must be an array' }).optional(),
    // Absent in 2021 captures (test/fixtures/snyk/README.md): treated as empty.
    removedIssues: z.array(z.unknown(), { error: 'removedIssues must be an array' }).nullish(),
  },
  { error: 'payload must be a JSON object' },
);

export type RawProjectSnapshot = z.infer<typeof projectSnapshotSchema>;
