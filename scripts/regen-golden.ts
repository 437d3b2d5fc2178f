// Regenerates test/golden/<case>.<format> from the fixtures; review the result as a diff before committing.
import { writeFileSync } from 'node:fs';
import { encode, normalize } from '../normalizers/index.js';
import { FORMATS, GOLDEN_CASES, GOLDEN_DIR, readFixture } from '../test/normalizers/golden-cases.js';

for (const c of GOLDEN_CASES) {
  const fixture = readFixture(c.fixture).json;
  const records = normalize(c.body === undefined ? fixture : c.body(fixture), c.context);
  for (const format of FORMATS) {
    const lines = records.map((r) => `${encode(r, format)}\n`).join('');
    writeFileSync(`${GOLDEN_DIR}${c.name}.${format}`, lines);
  }
  console.log(`${c.name}: ${records.length} records`);
}
