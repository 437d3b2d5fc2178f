// Micro-benchmark: findings per second for normalize + encode of a 1,000-issue snapshot, per output format.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureNormalize, stringifyReference } from './normalize-measure.js';
import { syntheticSnapshot } from './payloads.js';

const ISSUES = 1_000;
const SECONDS_PER_FORMAT = Number(process.argv[2] ?? 3);

// 1,000 issues cloned from the three real issues of the capture (each with a 4.5-5.5 KB markdown description),
// with distinct ids so that every finding is its own record.
const body = syntheticSnapshot(ISSUES) as { newIssues: unknown[] };

const results = (['cef', 'leef', 'ecs', 'json'] as const).map((format) =>
  measureNormalize(body, format, SECONDS_PER_FORMAT),
);
const machine = stringifyReference(body.newIssues, SECONDS_PER_FORMAT);
for (const r of results) {
  console.log(
    `${r.format.padEnd(5)} ${r.findingsPerSecond.toLocaleString('en-US').padStart(9)} findings/s wall, ` +
      `${r.findingsPerCpuSecond.toLocaleString('en-US').padStart(9)} per CPU second ` +
      `(${r.snapshots} snapshots in ${r.seconds} s, ~${r.bytesPerFinding} chars/record)`,
  );
}
console.log(
  `(reference: JSON.stringify of the raw issue alone runs ${machine.stringifyRawIssuePerSecond.toLocaleString('en-US')}/s wall, ` +
    `${machine.stringifyRawIssuePerCpuSecond.toLocaleString('en-US')} per CPU second on this machine)`,
);
const out = fileURLToPath(new URL('./results/', import.meta.url));
mkdirSync(out, { recursive: true });
writeFileSync(
  `${out}normalize.json`,
  `${JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, loadAverage: loadavg(), issuesPerSnapshot: ISSUES, results, reference: machine }, null, 2)}\n`,
);
