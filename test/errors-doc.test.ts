// docs/errors.md lists every failure code and client-error component exactly as the registries say, and nothing else.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';
import { CLIENT_COMPONENTS } from '../src/telemetry/client-errors.js';
import { markdownTable, writeGeneratedSection } from './helpers/generated-doc.js';

const DOC = new URL('../docs/errors.md', import.meta.url);

function section(name: string): string {
  const text = readFileSync(DOC, 'utf8');
  const begin = `<!-- generated:${name}:begin -->`;
  const from = text.indexOf(begin);
  const to = text.indexOf(`<!-- generated:${name}:end -->`);
  if (from === -1 || to < from) throw new Error(`docs/errors.md has no ${name} section`);
  return text.slice(from + begin.length, to).trim();
}

const codesTable = markdownTable(
  ['Code', 'Where', 'Retried', 'Meaning', 'What to do'],
  Object.entries(ERROR_CODES).map(([code, entry]) => [
    `\`${code}\``,
    entry.scope,
    entry.retried,
    entry.meaning,
    entry.action,
  ]),
);

const componentsTable = markdownTable(
  ['Component', 'Level', 'Client'],
  Object.entries(CLIENT_COMPONENTS).map(([component, entry]) => [
    `\`${component}\``,
    entry.level,
    entry.what,
  ]),
);

// UPDATE_DOCS=1 rewrites the sections from the registries; the assertions below then check what was written.
if (process.env.UPDATE_DOCS === '1') {
  writeGeneratedSection('error-codes', codesTable, DOC);
  writeGeneratedSection('client-errors', componentsTable, DOC);
}

describe('docs/errors.md', () => {
  it('lists every failure code with its scope, retry, meaning and action, as in src/errors.ts', () => {
    expect(section('error-codes')).toBe(codesTable);
  });

  it('lists every client_errors component as in src/telemetry/client-errors.ts', () => {
    expect(section('client-errors')).toBe(componentsTable);
  });

  it('links the receiver codes, and docs/operations.md links it', () => {
    expect(readFileSync(DOC, 'utf8')).toContain('(receiver.md#error-codes)');
    const operations = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');
    expect(operations).toContain('(errors.md)');
  });
});
