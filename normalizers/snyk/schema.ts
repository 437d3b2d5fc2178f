// zod schema of a project_snapshot/v0 envelope: strict where records cannot exist without it, lenient elsewhere.
import { z } from 'zod';
import { LIMITS } from '../limits.js';
import { canonicalTime } from '../time.js';
import { asString, asStringList, optString } from './lenient.js';
import { remediationSteps } from './remediation.js';

// Field tables: Snyk docs "Webhook events and payloads" plus what the real captures in test/fixtures/snyk carry.

// Counts are non-negative safe integers: past 2^53-1 a JSON reader and a Java long no longer agree on the value.
// Anything else counts 0, like a missing severity; a number that is not such a count is also named in `dropped`
// (`open_low`), so that the record says the 0 stands for a value it could not carry (mapping §4).
const counts = z
  .unknown()
  .optional()
  .transform((v) => {
    const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    const dropped: string[] = [];
    const n = (severity: 'critical' | 'high' | 'medium' | 'low'): number => {
      const x = o[severity];
      if (Number.isSafeInteger(x) && (x as number) >= 0) return x as number;
      if (typeof x === 'number') dropped.push(`open_${severity}`);
      return 0;
    };
    // Critical first, in the order of the flat fields (open_critical ... open_low).
    const critical = n('critical');
    const high = n('high');
    const medium = n('medium');
    const low = n('low');
    return { counts: { low, medium, high, critical }, dropped };
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
    // When Snyk ran the test behind this snapshot; dropped (not refused) unless a valid ISO 8601 date-time.
    lastTestedDate: z.unknown().optional().transform(canonicalTime),
    // Read into an index by issue id once per snapshot, so that each finding names the steps that fix it.
    remediation: z.unknown().optional().transform(remediationSteps),
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
