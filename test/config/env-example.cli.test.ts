// .env.example as shipped starts the forwarder: every active line is a working value, optional ones are comments.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { loadConfig } from '../../src/config/load.js';
import { cliArgv } from '../helpers/cli.js';

const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-env-example-'));
  dirs.push(dir);
  return dir;
}

/**
 * Parses a .env file the way dotenv does for the lines such a file holds: `KEY=value`, an optional `export `,
 * blank lines and `#` comments skipped, matching single or double quotes around a value removed.
 */
function parseDotenv(source: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of source.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`.env.example: "${line}" is neither a comment nor KEY=value`);
    let value = (match[2] as string).trim();
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] as string;
    else value = value.replace(/\s+#.*$/, '');
    env[match[1] as string] = value;
  }
  return env;
}

/** Runs `validate` with this environment and nothing else (test/helpers/cli.ts would add the test's own). */
async function runValidate(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, cliArgv(['validate']), {
    env,
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

describe('.env.example as shipped', () => {
  const env = parseDotenv(text);

  it('sets only variables whose value works without any other file', () => {
    expect(Object.keys(env).length).toBeGreaterThan(0);
    expect(env).not.toHaveProperty('FORWARDER_CONFIG');
  });

  it('loads a valid configuration with exactly its environment, from an empty directory', () => {
    const cwd = emptyDir();
    const { config, source } = loadConfig({ env, cwd });
    expect(source).toBeUndefined();
    expect(config.dataDir).toBe(join(cwd, 'data'));
  });

  it('passes `validate` run as a child process with exactly its environment', async () => {
    const { code, output } = await runValidate(env, emptyDir());
    expect(output).toContain('Configuration OK');
    expect(code).toBe(0);
  });
});
