// Property test: for any record and any budget at or above its minimal size, the fitted record is within the budget.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeToFit, normalize, OUTPUT_FORMATS, type Finding } from '../../normalizers/index.js';
import { GOLDEN_CASES, readFixture } from './golden-cases.js';
import { hostileContext, hostilePayload } from './hostile-arbitraries.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

// eslint-disable-next-line no-control-regex -- a record must never hold NUL.
const RAW_BREAKS = /[\r\n\u0000]/;

const MARKER = '…[truncated]';

interface FreeText {
  description?: string | undefined;
  title?: string | undefined;
}

/** The advisory and title as a strict parser reads them back from a line. */
function freeText(format: string, line: string): FreeText {
  if (format === 'cef') {
    const parsed = parseCef(line);
    return { description: parsed.extension.get('msg'), title: parsed.name };
  }
  if (format === 'leef') return { title: parseLeef(line).attributes.get('issueTitle') };
  const doc = JSON.parse(line) as Record<string, unknown>;
  if (format === 'ecs') {
    const vulnerability = doc['vulnerability'] as { description?: string };
    const snyk = doc['snyk'] as { issue: { title?: string } };
    return { description: vulnerability.description, title: snyk.issue.title };
  }
  return {
    description: doc['description'] as string | undefined,
    title: doc['issue_title'] as string | undefined,
  };
}

// Plain checks: vitest's expect() costs more than the encoders at hundreds of runs.
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`property violated: ${what}`);
}

describe('fit to size (fast-check)', () => {
  it('fits every record of any payload into any budget from its minimal size up, on one line', () => {
    let fitted = 0;
    fc.assert(
      fc.property(
        hostilePayload,
        hostileContext,
        fc.constantFrom(...OUTPUT_FORMATS),
        // How far above the minimal size the budget is: at it, just above it, or anywhere up to 20 KB more.
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 20_000 })),
        (body, delivery, format, slack) => {
          for (const record of normalize(body, delivery)) {
            const refused = encodeToFit(record, format, 0);
            check(refused.tooLarge === true, `${format}: a record fits 0 bytes`);
            if (!refused.tooLarge) return;
            const budget = refused.minimalBytes + slack;
            const result = encodeToFit(record, format, budget);
            check(!result.tooLarge, `${format}: refused at ${budget} bytes, minimal ${refused.minimalBytes}`);
            if (result.tooLarge) return;
            const size = Buffer.byteLength(result.line, 'utf8');
            check(size <= budget, `${format}: ${size} bytes for a budget of ${budget}`);
            check(!RAW_BREAKS.test(result.line), `${format}: raw CR, LF or NUL`);
            fitted += 1;
          }
        },
      ),
      { numRuns: 300, seed: 20261128 },
    );
    expect(fitted).toBeGreaterThan(300);
  }, 120_000);

  it('cuts well-formed text of any script only between characters: a prefix of the full text, no lone surrogate', () => {
    const golden = GOLDEN_CASES.find((c) => c.fixture.includes('mrzarquon'));
    const base = golden && normalize(readFixture(golden.fixture).json, golden.context)[0];
    if (base?.kind !== 'finding') throw new Error('the mrzarquon fixture has no finding');
    // Graphemes are well-formed text: emoji sequences, combining marks, every script.
    const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3000 });
    fc.assert(
      fc.property(
        text,
        text,
        fc.constantFrom(...OUTPUT_FORMATS),
        fc.integer({ min: 0, max: 12_000 }),
        (description, title, format, slack) => {
          const record: Finding = { ...base, issue: { ...base.issue, description, title } };
          const refused = encodeToFit(record, format, 0);
          if (!refused.tooLarge) throw new Error(`${format}: a record fits 0 bytes`);
          const result = encodeToFit(record, format, refused.minimalBytes + slack);
          if (result.tooLarge) throw new Error(`${format}: refused above its minimal size`);
          const full = freeText(format, refused.line);
          const cut = freeText(format, result.line);
          for (const key of Object.keys(cut) as (keyof FreeText)[]) {
            const value = cut[key];
            // Emptied (the advisory left out, the title blank) or kept whole.
            if (value === undefined || value === '' || value === full[key]) continue;
            // A split surrogate pair would show as U+FFFD in CEF and LEEF, or stay a lone surrogate in JSON.
            check(value.endsWith(MARKER), `${format} ${key}: cut without the marker`);
            const kept = value.slice(0, -MARKER.length);
            check(full[key]?.startsWith(kept) === true, `${format} ${key}: not a prefix of the full text`);
            check(Buffer.from(kept, 'utf8').toString('utf8') === kept, `${format} ${key}: lone surrogate`);
          }
        },
      ),
      { numRuns: 400, seed: 20261129 },
    );
  }, 120_000);
});
