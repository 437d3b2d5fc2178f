// Every receiver error code is documented in docs/receiver.md, and the docs list no unknown code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RECEIVER_ERRORS } from '../../src/receiver/http-errors.js';

const doc = readFileSync(new URL('../../docs/receiver.md', import.meta.url), 'utf8');
const table = doc.slice(doc.indexOf('## Error codes'), doc.indexOf('## Probes'));
const documented = [...table.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]);

describe('docs/receiver.md error table', () => {
  it('lists every code with its status, and nothing else', () => {
    const actual = Object.entries(RECEIVER_ERRORS).map(([code, { status }]) => [code, status]);
    expect(documented.sort()).toEqual(actual.sort());
  });
});
