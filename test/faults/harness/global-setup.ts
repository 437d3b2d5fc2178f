// The fault suite's global setup: a directory for this run's rows; afterwards, the table in docs/reliability.md.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import type { TestProject } from 'vitest/node';
import { writeGeneratedSection } from '../../helpers/generated-doc.js';
import { readRunRows, resultsTable, SCENARIOS, type FaultRow } from './results-table.js';

/**
 * The last row of every scenario, and the last whole run, kept in the repository: running one fault file updates its
 * row and leaves the others, so the table always lists every scenario with its latest measurement.
 */
const RESULTS_FILE = new URL('../results.json', import.meta.url);

interface Results {
  /** The last run of every scenario at once: how long the suite took, and when. */
  wholeRun: { seconds: number; ranAt: string } | null;
  rows: FaultRow[];
}

function readResults(): Results {
  if (!existsSync(RESULTS_FILE)) return { wholeRun: null, rows: [] };
  const saved = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Partial<Results>;
  return {
    wholeRun: saved.wholeRun ?? null,
    rows: (saved.rows ?? []).filter((row) => row.scenario in SCENARIOS),
  };
}

export default function setup(project: TestProject): () => Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-fault-results-'));
  project.provide('faultResultsDir', dir);
  const started = Date.now();
  return async () => {
    const fresh = readRunRows(dir);
    rmSync(dir, { recursive: true, force: true });
    if (fresh.length === 0) return;
    const saved = readResults();
    const rows = new Map(saved.rows.map((row) => [row.scenario, row]));
    for (const row of fresh) rows.set(row.scenario, row);
    const whole = fresh.length === Object.keys(SCENARIOS).length;
    const results: Results = {
      wholeRun: whole
        ? { seconds: Math.round((Date.now() - started) / 1000), ranAt: new Date().toISOString() }
        : saved.wholeRun,
      rows: [...rows.values()],
    };
    // Formatted as `npm run lint` (prettier --check) expects of a JSON file in the repository.
    const options = (await resolveConfig(RESULTS_FILE.pathname)) ?? {};
    writeFileSync(RESULTS_FILE, await format(JSON.stringify(results), { ...options, parser: 'json' }));
    const when = results.rows.map((row) => row.ranAt.slice(0, 10)).sort();
    const run = results.wholeRun;
    const intro = [
      `Written by \`npm run test:faults\` from its own counts (${cpus().length} CPUs, Node ${process.version}; ` +
        `runs of ${when[0]}${when.at(-1) !== when[0] ? ` to ${when.at(-1)}` : ''}` +
        `${run ? `; the last run of the whole suite took ${run.seconds} s` : ''}).`,
      'Sent and accepted count deliveries; the other counts are records, matched by `record_id`. Lost = records of',
      'deliveries answered 2xx that never arrived; duplicates = extra arrivals of a record; "503 then accepted" =',
      'deliveries whose first answer was 503 and that a retry with the same transport id and body got accepted; time',
      'to drain runs from the end of the fault (or the last 2xx, if later) to the arrival of the last missing record.',
    ].join('\n');
    writeGeneratedSection('faults', `${intro}\n\n${resultsTable(results.rows)}`);
  };
}
