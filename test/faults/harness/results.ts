// Where each fault scenario leaves its row of the results table (the global teardown writes the table).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { FaultRow } from './results-table.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Directory where each scenario of this run writes its row (made by the global setup). */
    faultResultsDir: string;
  }
}

/** Saves this scenario's row for the table; call it before asserting, so a failing run still shows its numbers. */
export function recordResult(
  row: Omit<FaultRow, 'ranAt' | 'drainSeconds'> & { drainMs: number | undefined },
): void {
  const { drainMs, ...rest } = row;
  const full: FaultRow = {
    ...rest,
    drainSeconds: drainMs === undefined ? null : Math.round(drainMs / 100) / 10,
    ranAt: new Date().toISOString(),
  };
  writeFileSync(
    join(inject('faultResultsDir'), `${row.scenario}.json`),
    `${JSON.stringify(full, null, 2)}\n`,
  );
}
