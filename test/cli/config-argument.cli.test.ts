// `validate FILE` and `start FILE`: a positional configuration file is the one checked, never silently ignored.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksOnlyEnv, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-cfg-arg-'));
const good = join(dir, 'good.yaml');
const bad = join(dir, 'bad.yaml');
let env: Record<string, string>;

beforeAll(async () => {
  writeFileSync(good, `targets:\n  - { name: out, type: file, path: ${join(dir, 'out.ndjson')} }\n`);
  writeFileSync(bad, 'receiver:\n  prot: 1\n');
  env = await checksOnlyEnv(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('validate FILE', () => {
  it('checks the file given as a positional argument', async () => {
    const { code, output } = await runCli(['validate', bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toContain('receiver: unknown key "prot"');
    expect(output).not.toContain('Configuration OK');
  });

  it('names the positional file it checked when it is good', async () => {
    const { code, output } = await runCli(['validate', good], env, 20_000, dir);
    expect(code).toBe(0);
    expect(output).toContain(`Configuration OK (${good})`);
  });

  it('accepts the same file both as a positional argument and with --config', async () => {
    const { code } = await runCli(['validate', good, '--config', good], env, 20_000, dir);
    expect(code).toBe(0);
  });

  it('is a usage error when the positional file and --config differ', async () => {
    const { code, output } = await runCli(['validate', good, '--config', bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toMatch(/two different configuration files/);
  });

  it('is a usage error with more than one positional file', async () => {
    const { code, output } = await runCli(['validate', good, bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toMatch(/one configuration file/);
    expect(output).not.toContain('Configuration OK');
  });

  it('reports a missing file in one line that names it and says how to fix it', async () => {
    const missing = join(dir, 'missing.yaml');
    const { code, output } = await runCli(['validate', missing], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toContain(missing);
    expect(output).toMatch(/does not exist|ENOENT/);
    expect(output).not.toMatch(/\n\s+at /);
  });
});

describe('start FILE', () => {
  it('checks the file given as a positional argument and exits 2 when it is bad', async () => {
    const { code, output } = await runCli(['start', bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toContain('receiver: unknown key "prot"');
  });

  it('is a usage error with two different files', async () => {
    const { code, output } = await runCli(['start', good, '--config', bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toMatch(/two different configuration files/);
  });

  it('is a usage error with more than one positional file', async () => {
    const { code, output } = await runCli(['start', good, bad], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toMatch(/one configuration file/);
  });
});
