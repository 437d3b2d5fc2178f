// The Elasticsearch index template maps every field the ecs format writes, with ECS's own types where ECS has the field.
import { readFileSync } from 'node:fs';
import { EcsFlat } from '@elastic/ecs';
import { describe, expect, it } from 'vitest';
import { encode } from '../../normalizers/index.js';
import { DEFAULT_INDEX } from '../../src/targets/elasticsearch/config.js';
import { indexTemplateFor, storedFingerprint } from '../../src/targets/elasticsearch/index-template.js';
import { corpus } from './corpus.js';
import { FULL_RECORDS } from './full-records.js';

interface Mapping {
  type?: string;
  properties?: Record<string, Mapping>;
  fields?: Record<string, { type: string }>;
  ignore_above?: number;
}
interface EcsField {
  type: string;
  ignore_above?: number;
  multi_fields?: { name: string; type: string }[];
}

const template = JSON.parse(
  readFileSync(new URL('../../deploy/siem/elasticsearch/index-template.json', import.meta.url), 'utf8'),
) as {
  index_patterns: string[];
  data_stream?: object;
  priority: number;
  template: { mappings: { properties: Record<string, Mapping> } };
};
const ECS = EcsFlat as unknown as Record<string, EcsField | undefined>;

/** Leaf mappings by dotted path (objects are `properties`, as Elasticsearch writes them). */
function leafMappings(properties: Record<string, Mapping>, prefix = '', out = new Map<string, Mapping>()) {
  for (const [key, mapping] of Object.entries(properties)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (mapping.properties !== undefined) leafMappings(mapping.properties, path, out);
    else out.set(path, mapping);
  }
  return out;
}

/** Leaf values by dotted path, array elements flattened, over many documents. */
function leafValues(docs: readonly unknown[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path === '' ? key : `${path}.${key}`);
      return;
    }
    // An array of objects (snyk.issue.severities) is mapped by its objects' fields: Elasticsearch indexes each
    // element's fields under the array's path (Elasticsearch reference, "Arrays").
    if (Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null)) {
      for (const inner of value as unknown[]) walk(inner, path);
      return;
    }
    const list = out.get(path) ?? [];
    list.push(...(Array.isArray(value) ? (value as unknown[]) : [value]));
    out.set(path, list);
  };
  for (const doc of docs) walk(doc, '');
  return out;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether Elasticsearch stores this JSON value in a field of this type without a mapping error. */
function fits(type: string, value: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'match_only_text':
    case 'text':
    case 'wildcard':
      return typeof value === 'string';
    case 'date':
      return typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value));
    case 'long':
      return Number.isSafeInteger(value);
    case 'float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}

const documents = [...corpus(), ...FULL_RECORDS].map(
  (record) => JSON.parse(encode(record, 'ecs')) as unknown,
);
const values = leafValues(documents);
const mappings = leafMappings(template.template.mappings.properties);

describe('deploy/siem/elasticsearch/index-template.json', () => {
  it('claims the default data stream over Elasticsearch’s built-in logs-*-* template (priority 100)', () => {
    expect(template.index_patterns).toEqual(['logs-snyk.findings-*']);
    expect(
      new RegExp(`^${template.index_patterns[0]?.replace('.', '\\.').replace('*', '.*')}$`).test(
        DEFAULT_INDEX,
      ),
    ).toBe(true);
    expect(template.data_stream).toEqual({});
    expect(template.priority).toBeGreaterThan(100);
  });

  it('maps every field of every ecs record with a type that takes its values', () => {
    expect(values.size).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const [path, seen] of values) {
      const mapping = mappings.get(path);
      if (mapping?.type === undefined) {
        problems.push(`${path}: no mapping`);
        continue;
      }
      for (const value of seen) {
        if (!fits(mapping.type, value))
          problems.push(`${path}: ${JSON.stringify(value)} does not fit ${mapping.type}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('maps nothing the ecs format never writes', () => {
    expect([...mappings.keys()].filter((path) => !values.has(path))).toEqual([]);
  });

  it('gives every ECS field its ECS 9.4 type, ignore_above and multi-fields (@elastic/ecs EcsFlat)', () => {
    const problems: string[] = [];
    for (const [path, mapping] of mappings) {
      if (path.startsWith('snyk.')) continue;
      const field = ECS[path];
      if (field === undefined) {
        problems.push(`${path}: not an ECS field`);
        continue;
      }
      if (mapping.type !== field.type) problems.push(`${path}: ${mapping.type}, ECS says ${field.type}`);
      if (mapping.ignore_above !== field.ignore_above)
        problems.push(`${path}: ignore_above ${mapping.ignore_above}`);
      const multi = Object.fromEntries((field.multi_fields ?? []).map((m) => [m.name, { type: m.type }]));
      expect(mapping.fields ?? {}, path).toEqual(multi);
    }
    expect(problems).toEqual([]);
  });

  it('caps keyword fields so a long advisory or title can never be an immense term that fails the document', () => {
    for (const [path, mapping] of mappings) {
      if (mapping.type === 'keyword') expect(mapping.ignore_above, path).toBeLessThanOrEqual(8191);
    }
  });
});

describe('indexTemplateFor', () => {
  it('aims the default data stream at every namespace of its dataset', () => {
    const plan = indexTemplateFor(DEFAULT_INDEX);
    expect(plan.name).toBe('logs-snyk.findings');
    expect(plan.pattern).toBe('logs-snyk.findings-*');
    expect(plan.body.index_patterns).toEqual(['logs-snyk.findings-*']);
    expect(plan.body.template).toEqual(template.template);
    expect(indexTemplateFor('logs-snyk.findings-prod').name).toBe('logs-snyk.findings');
  });

  it('aims any other index name at that name alone', () => {
    const plan = indexTemplateFor('snyk-findings');
    expect(plan.name).toBe('snyk-findings');
    expect(plan.body.index_patterns).toEqual(['snyk-findings']);
  });

  it('fingerprints the body, so another pattern or template is told apart and the same one is not', () => {
    const a = indexTemplateFor(DEFAULT_INDEX).body._meta.fingerprint;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(indexTemplateFor('logs-snyk.findings-other').body._meta.fingerprint).toBe(a);
    expect(indexTemplateFor('snyk-findings').body._meta.fingerprint).not.toBe(a);
  });

  it('reads the fingerprint back from a GET _index_template answer, and nothing from anything else', () => {
    const plan = indexTemplateFor(DEFAULT_INDEX);
    const answer = JSON.stringify({
      index_templates: [{ name: plan.name, index_template: { ...plan.body, composed_of: [] } }],
    });
    expect(storedFingerprint(answer, plan.name)).toBe(plan.body._meta.fingerprint);
    expect(storedFingerprint(answer, 'other')).toBeUndefined();
    expect(storedFingerprint('{"error":{}}', plan.name)).toBeUndefined();
    expect(storedFingerprint('not json', plan.name)).toBeUndefined();
  });
});
