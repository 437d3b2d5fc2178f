// docs/configuration.md documents every key of the schema outside `targets`, so the docs cannot drift.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  while (current instanceof z.ZodDefault || current instanceof z.ZodOptional)
    current = current.unwrap() as z.ZodType;
  return current;
}

function keyPaths(schema: z.ZodType, prefix: string): string[] {
  const inner = unwrap(schema);
  if (!(inner instanceof z.ZodObject)) return [prefix];
  const out: string[] = [];
  for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodType>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (path === 'targets') continue;
    out.push(...keyPaths(child, path));
  }
  return out;
}

describe('docs/configuration.md', () => {
  it('documents every configuration key', () => {
    const paths = keyPaths(configSchema, '');
    expect(paths.length).toBeGreaterThan(20);
    const missing = paths.filter((path) => !doc.includes(`\`${path}\``));
    expect(missing).toEqual([]);
  });
});
