// Checks an ECS document against the field definitions shipped by @elastic/ecs (EcsFlat, ECS 9.4.0).
import { EcsFlat } from '@elastic/ecs';

interface FieldDefinition {
  type: string;
  normalize?: string[];
  allowed_values?: { name: string; expected_event_types?: string[] }[];
}

const FIELDS = EcsFlat as unknown as Record<string, FieldDefinition | undefined>;

const STRING_TYPES = new Set(['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text']);
const INTEGER_TYPES = new Set(['long', 'integer', 'short', 'byte']);
const FLOAT_TYPES = new Set(['float', 'double', 'scaled_float', 'half_float']);
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Every problem found; an empty list means every non-`snyk.*` field exists in ECS with a fitting value. */
export function ecsProblems(doc: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const leaves: [string, unknown][] = [];
  collect(doc, '', leaves);
  for (const [path, value] of leaves) {
    if (path === 'snyk' || path.startsWith('snyk.')) continue;
    const field = FIELDS[path];
    if (field === undefined) {
      problems.push(`${path}: not an ECS field`);
      continue;
    }
    const values = Array.isArray(value) ? (value as unknown[]) : [value];
    if (Array.isArray(value) && !STRING_TYPES.has(field.type) && !(field.normalize ?? []).includes('array')) {
      problems.push(`${path}: array given for a ${field.type} field`);
    }
    for (const v of values) {
      const problem = typeProblem(field.type, v);
      if (problem !== undefined) problems.push(`${path}: ${problem}`);
      if (field.allowed_values !== undefined && !field.allowed_values.some((a) => a.name === v)) {
        problems.push(`${path}: ${JSON.stringify(v)} is not an allowed value`);
      }
    }
  }
  problems.push(...categorisationProblems(doc));
  return problems;
}

function typeProblem(type: string, v: unknown): string | undefined {
  if (STRING_TYPES.has(type)) return typeof v === 'string' ? undefined : `expected a string, got ${typeof v}`;
  if (INTEGER_TYPES.has(type))
    return Number.isSafeInteger(v) ? undefined : `expected an integer, got ${String(v)}`;
  if (FLOAT_TYPES.has(type))
    return typeof v === 'number' && Number.isFinite(v) ? undefined : `expected a number, got ${String(v)}`;
  if (type === 'date') {
    return typeof v === 'string' && ISO_DATE.test(v) && !Number.isNaN(Date.parse(v))
      ? undefined
      : `expected an ISO date, got ${String(v)}`;
  }
  if (type === 'boolean') return typeof v === 'boolean' ? undefined : `expected a boolean, got ${typeof v}`;
  return `field type ${type} is not produced by this forwarder`;
}

/** Each event.category names the event.type values it expects (ecs_flat.yml `expected_event_types`). */
function categorisationProblems(doc: Record<string, unknown>): string[] {
  const event = doc['event'] as Record<string, unknown> | undefined;
  const categories = (event?.['category'] ?? []) as string[];
  const types = (event?.['type'] ?? []) as string[];
  const problems: string[] = [];
  for (const category of categories) {
    const expected = FIELDS['event.category']?.allowed_values?.find(
      (a) => a.name === category,
    )?.expected_event_types;
    for (const type of types) {
      if (expected !== undefined && !expected.includes(type))
        problems.push(`event.type ${type} is not expected for category ${category}`);
    }
  }
  return problems;
}

function collect(value: unknown, prefix: string, out: [string, unknown][]): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) collect(v, prefix === '' ? k : `${prefix}.${k}`, out);
    return;
  }
  out.push([prefix, value]);
}
