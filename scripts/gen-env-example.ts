// Writes .env.example from the environment-variable contract in src/config/env.ts, once it is known to load.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderEnvExample } from '../src/config/env.js';
import { loadConfig } from '../src/config/load.js';
import { ConfigError } from '../src/errors.js';

const text = renderEnvExample();

// The file must start the daemon as shipped: load a configuration from exactly its active lines, in an empty directory.
const env: Record<string, string> = {};
for (const line of text.split('\n')) {
  const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
  if (match) env[match[1] as string] = match[2] as string;
}
const cwd = mkdtempSync(join(tmpdir(), 'gen-env-example-'));
let loads = false;
try {
  loadConfig({ env, cwd });
  loads = true;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`.env.example not written: its active lines do not load.\n${error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(cwd, { recursive: true, force: true });
}

if (loads) {
  writeFileSync(new URL('../.env.example', import.meta.url), text);
  console.log('wrote .env.example');
}
