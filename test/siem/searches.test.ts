// Every search in docs/siem names fields and values that real records of its format carry, and counts open findings right.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NormalizedRecord } from '../../normalizers/index.js';
import { DEFAULT_INDEX } from '../../src/targets/elasticsearch/config.js';
import { splunkHecTargetSchema } from '../../src/targets/splunk-hec/config.js';
import { corpus, identityVariants } from './corpus.js';
import {
  openByDistinctCounts,
  openByLatestAction,
  openBySumOfDeltas,
  replayHistory,
  type RowView,
} from './open-findings.js';
import { fencedBlocks, QUERY_LANGS, queryRefs, type DocQuery, type QueryLang } from './query-fields.js';
import { SIEMS, type Row, type Siem } from './siem-rows.js';

const DOCS = new URL('../../docs/', import.meta.url);
const QUESTIONS = ['open-cve', 'new-critical', 'fixable-high', 'resolved-week'] as const;
/** The questions whose answer is a state (still open), not a count of records. */
const STATE_QUESTIONS = new Set(['open-cve', 'fixable-high']);

const pages = [
  ...readdirSync(new URL('siem/', DOCS))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `siem/${f}`),
  'mapping.md',
];
const blocks: DocQuery[] = pages.flatMap((page) =>
  fencedBlocks(page, readFileSync(new URL(page, DOCS), 'utf8')),
);
const queries = blocks.filter((b) => (QUERY_LANGS as readonly string[]).includes(b.lang));

const records = corpus();
const findings = records.filter((r) => r.kind === 'finding');
const rowsBySiem = new Map(SIEMS.map((siem) => [siem.page, records.map((r) => siem.row(r))]));

function rowsOf(siem: Siem): Row[] {
  return rowsBySiem.get(siem.page) ?? [];
}

function valuesOf(rows: readonly Row[], field: string): string[] {
  return rows.flatMap((row) => {
    const value = row[field];
    if (value === undefined) return [];
    return Array.isArray(value) ? value.map(String) : [String(value)];
  });
}

function queriesOf(siem: Siem): DocQuery[] {
  return queries.filter((q) => q.file === `siem/${siem.page}`);
}

function label(q: DocQuery, siem: Siem): string {
  return `${siem.page} ${q.question ?? '?'} (${q.lang}): ${q.text.split('\n')[0]?.slice(0, 60)}`;
}

/** The finding a record is: issue + project + package (docs/siem/README.md). */
function identity(record: NormalizedRecord): string {
  if (record.kind !== 'finding') throw new Error('not a finding');
  return JSON.stringify([record.project?.id, record.issue.id, record.issue.packageName]);
}

describe('docs/siem search blocks', () => {
  it('annotate every search with its question, and no other code block holds a search', () => {
    expect(queries.length).toBeGreaterThanOrEqual(24);
    for (const q of queries) expect(q.question, `${q.file}: ${q.text.slice(0, 60)}`).toBeDefined();
    for (const b of blocks) {
      if (b.question !== undefined) expect(QUERY_LANGS, `${b.file} ${b.question}`).toContain(b.lang);
      expect(QUESTIONS as readonly string[]).toEqual(expect.arrayContaining(b.question ? [b.question] : []));
    }
  });

  it('never sum open_delta, which one duplicate makes wrong', () => {
    for (const q of queries) expect(q.text).not.toMatch(/open_?delta/i);
  });

  for (const siem of SIEMS) {
    it(`${siem.page} answers each question in ${siem.langs.join(' and ')}`, () => {
      const own = queriesOf(siem);
      for (const q of own) expect(siem.langs as readonly string[]).toContain(q.lang);
      expect([...new Set(own.map((q) => q.question))].sort()).toEqual([...QUESTIONS].sort());
    });
  }
});

describe('fields and values of each search, against real records of its format', () => {
  const hec = splunkHecTargetSchema.parse({
    name: 's',
    type: 'splunk-hec',
    url: 'https://splunk.example:8088',
    token: 't',
  });

  for (const siem of SIEMS) {
    const rows = rowsOf(siem);
    const names = new Set([...rows.flatMap((row) => Object.keys(row)), ...siem.builtins]);
    for (const q of queriesOf(siem)) {
      const refs = queryRefs(q.lang as QueryLang, q.text);

      it(`${label(q, siem)} names only fields the records carry`, () => {
        expect(refs.fields.length).toBeGreaterThan(0);
        const unknown = refs.fields.filter((f) => !names.has(f) && !refs.defined.has(f));
        expect(unknown).toEqual([]);
      });

      it(`${label(q, siem)} compares only with values the records carry`, () => {
        expect(refs.comparisons.length + refs.keywords.length).toBeGreaterThan(0);
        for (const c of refs.comparisons) {
          const field = refs.defined.get(c.field) ?? c.field;
          const seen = valuesOf(rows, field);
          const found =
            c.match === '~'
              ? seen.some((v) => v.includes(c.value))
              : c.value.endsWith('*')
                ? seen.some((v) => v.startsWith(c.value.slice(0, -1)))
                : seen.includes(c.value);
          expect(
            found,
            `${c.field} ${c.match} ${c.value} (seen: ${[...new Set(seen)].slice(0, 8).join(', ')})`,
          ).toBe(true);
        }
        for (const keyword of refs.keywords) {
          expect(
            rows.some((row) => JSON.stringify(row).includes(keyword)),
            keyword,
          ).toBe(true);
        }
      });

      it(`${label(q, siem)} never matches a snapshot summary or generic record`, () => {
        // Each such record fails at least one of the search's own conditions on record fields.
        const direct = refs.comparisons.filter((c) => !refs.defined.has(c.field));
        const others = records
          .map((r, i) => ({ r, row: rows[i] ?? {} }))
          .filter(({ r }) => r.kind !== 'finding');
        expect(others.length).toBeGreaterThan(5);
        for (const { row } of others) {
          const fails = direct.some((c) => {
            const seen = valuesOf([row], c.field);
            if (c.match === '~') return !seen.some((v) => v.includes(c.value));
            if (c.value.endsWith('*')) return !seen.some((v) => v.startsWith(c.value.slice(0, -1)));
            return !seen.includes(c.value);
          });
          expect(fails, JSON.stringify(row).slice(0, 160)).toBe(true);
        }
      });

      if (['spl', 'esql', 'kusto', 'aql', 'arcsight'].includes(q.lang))
        it(`${label(q, siem)} reads the place the forwarder writes to`, () => {
          if (q.lang === 'spl') {
            if (refs.settings.has('sourcetype')) expect(refs.settings.get('sourcetype')).toBe(hec.sourcetype);
            if (refs.settings.has('datamodel'))
              expect(refs.settings.get('datamodel')).toBe('Vulnerabilities');
            expect(refs.settings.has('sourcetype') || refs.settings.has('datamodel')).toBe(true);
          }
          if (q.lang === 'esql') expect(refs.settings.get('FROM')).toBe(DEFAULT_INDEX);
          if (q.lang === 'kusto') expect(refs.settings.get('table')).toBe('CommonSecurityLog');
          if (q.lang === 'aql') {
            expect(q.text).toContain("LOGSOURCETYPENAME(devicetype) = 'Universal LEEF'");
            // Every quoted name is a custom event property the page tells the reader to create.
            const properties = [
              ...readFileSync(new URL('siem/qradar.md', DOCS), 'utf8').matchAll(/^\s*\| `(\w+)` \|/gm),
            ].map((m) => m[1]);
            for (const m of q.text.matchAll(/"([^"]+)"/g)) expect(properties).toContain(m[1]);
          }
          if (q.lang === 'kusto' || q.lang === 'arcsight')
            expect(refs.comparisons).toContainEqual({
              field: siem.page === 'sentinel.md' ? 'DeviceVendor' : 'deviceVendor',
              match: '=',
              value: 'Snyk',
            });
        });

      if (q.question !== undefined && !STATE_QUESTIONS.has(q.question) && q.lang !== 'kql') {
        it(`${label(q, siem)} counts each record once`, () => {
          // A distinct count of the record id, or a dedup on it (the data model search counts distinct signatures).
          const distinct = q.text.includes(siem.id) || /\bdc\(Vulnerabilities\./.test(q.text);
          expect(distinct, q.text).toBe(true);
        });
      }
    }
  }
});

describe('open findings with duplicates present (at-least-once delivery)', () => {
  const history = replayHistory();
  const stateQueries = SIEMS.flatMap((siem) =>
    queriesOf(siem)
      .filter((q) => q.question !== undefined && STATE_QUESTIONS.has(q.question))
      .map((q) => ({ siem, q, refs: queryRefs(q.lang as QueryLang, q.text) })),
  );

  it('the replay holds duplicates of an introduced and of a resolved record', () => {
    const ids = history.records.map((r) => r.recordId);
    expect(new Set(ids).size).toBeLessThan(ids.length);
    expect(history.records.filter((r) => r.action === 'issue_resolved').length).toBeGreaterThan(
      new Set(history.records.filter((r) => r.action === 'issue_resolved').map((r) => r.recordId)).size,
    );
  });

  it('every page has state searches, each grouping by finding', () => {
    expect(new Set(stateQueries.map((s) => s.siem.page)).size).toBe(SIEMS.length);
    for (const { siem, q, refs } of stateQueries)
      expect(refs.groupKeys.length, label(q, siem)).toBeGreaterThan(0);
  });

  for (const { siem, q, refs } of stateQueries) {
    const view: RowView = { id: siem.id, action: siem.action, keys: refs.groupKeys, time: siem.time };

    it(`${label(q, siem)} groups by finding: one group per issue + project + package`, () => {
      // Over every real finding, also in a second project and with an issue in two packages: the search's keys tell
      // findings apart and keep each finding's records together. LEQL groups by project and issue only (three keys
      // with the action); rapid7.md says to add the package to the where for container issues, so the two-package
      // case is left out for it.
      const variants = identityVariants();
      const sample = [
        ...findings,
        ...variants.otherProject,
        ...(siem.approach === 'distinct-counts' ? [] : variants.twoPackages),
      ].filter((r) => r.kind === 'finding');
      expect(new Set(sample.map(identity)).size).toBeGreaterThan(new Set(findings.map(identity)).size);
      const byKey = new Map<string, Set<string>>();
      const byIdentity = new Map<string, Set<string>>();
      for (const record of sample) {
        const row = siem.row(record);
        const key = JSON.stringify(view.keys.map((k) => row[k] ?? null));
        byKey.set(key, (byKey.get(key) ?? new Set()).add(identity(record)));
        byIdentity.set(identity(record), (byIdentity.get(identity(record)) ?? new Set()).add(key));
      }
      expect(byIdentity.size).toBeGreaterThan(5);
      for (const [key, identities] of byKey) expect(identities.size, key).toBe(1);
      for (const [id, keys] of byIdentity) expect(keys.size, id).toBe(1);
    });

    it(`${label(q, siem)} orders by the record's own time, never by arrival`, () => {
      // LEQL counts instead of ordering; SPL's latest() orders by _time, the HEC time of the record.
      if (siem.timeField === undefined) expect(q.text).toContain(`unique:${siem.id}`);
      else if (q.lang === 'spl') expect(q.text).toMatch(/\blatest\(action\)/);
      else expect(refs.fields).toContain(siem.timeField);
    });

    it(`${label(q, siem)} finds exactly the open findings of a history with duplicates`, () => {
      const rows = history.records.map((r) => ({ record: r, row: siem.row(r) }));
      const open =
        siem.approach === 'latest'
          ? openByLatestAction(
              rows.map((r) => r.row),
              view,
            )
          : openByDistinctCounts(
              rows.map((r) => r.row),
              view,
            );
      const openIssues = new Set(
        rows
          .filter(({ row }) => open.has(JSON.stringify(view.keys.map((k) => row[k] ?? null))))
          .map(({ record }) => (record.kind === 'finding' ? record.issue.id : '')),
      );
      expect([...openIssues].sort()).toEqual([...history.open].sort());
    });
  }

  it('the former LEQL search (sum of open_delta per issue) gets it wrong as soon as records are duplicated', () => {
    const rapid7 = SIEMS.find((s) => s.page === 'rapid7.md');
    if (rapid7 === undefined) throw new Error('no rapid7 view');
    const asJson = history.records.map((r) => rapid7.row(r));
    const issues = (open: Set<string>) => [...open].map((k) => (JSON.parse(k) as string[])[0]).sort();
    // As the old docs read it ("open when the sum is 1") and as the old ES|QL did (SUM > 0).
    const exactlyOne = issues(openBySumOfDeltas(asJson, ['issue_id'], true));
    const positive = issues(openBySumOfDeltas(asJson, ['issue_id'], false));
    const [typeorm] = history.resolved;
    // typeorm: introduced, duplicated, resolved: +1 +1 -1 = 1, open for both readings though resolved.
    // ms: introduced and duplicated: 2, not "1". braces: +1, -1 twice (a duplicated resolution), +1 again: 0.
    expect(exactlyOne).toEqual([typeorm]);
    expect(positive).toEqual(['npm:ms:20151024', typeorm].sort());
    expect([...history.open].sort()).toEqual(['npm:braces:20180219', 'npm:ms:20151024']);
    // Without the duplicates, the same history sums correctly: the defect is the duplicates alone.
    const unique = [...new Map(asJson.map((row) => [row['record_id'], row])).values()];
    expect(issues(openBySumOfDeltas(unique, ['issue_id'], true))).toEqual([...history.open].sort());
  });
});
