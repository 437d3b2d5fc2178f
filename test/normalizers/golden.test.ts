// Golden tests: every public fixture, in every format, must encode exactly as the checked-in expected output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import { FORMATS, GOLDEN_CASES, GOLDEN_DIR, readFixture } from './golden-cases.js';

describe('golden outputs (regenerate with `npx tsx scripts/regen-golden.ts`)', () => {
  for (const c of GOLDEN_CASES) {
    for (const format of FORMATS) {
      it(`${c.name} encodes as test/golden/${c.name}.${format}`, () => {
        const fixture = readFixture(c.fixture).json;
        const records = normalize(c.body === undefined ? fixture : c.body(fixture), c.context);
        const actual = records.map((r) => `${encode(r, format)}\n`).join('');
        expect(actual).toBe(readFileSync(`${GOLDEN_DIR}${c.name}.${format}`, 'utf8'));
      });
    }
  }

  it('covers every fixture file', () => {
    const covered = new Set(GOLDEN_CASES.map((c) => c.fixture));
    expect([...covered].sort()).toEqual([
      'issue-object.snyk-docs.json',
      'ping-v0.snyk-docs.json',
      'project_snapshot-v0.full-issue.json',
      'project_snapshot-v0.mrzarquon-receiver.scan_new_vulns.json',
      'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED.json',
      'project_snapshot-v0.snyk-docs-slack-lambda-postman.json',
      'project_snapshot-v0.snyk-labs-mock-webhook.snap_no_vulns.json',
      'project_snapshot-v0.snyk-labs-mock-webhook.snap_vulns.json',
    ]);
  });
});
