// `start` refuses exactly what `validate` refuses, with the same list of problems and no stack trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksOnlyEnv, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-agree-'));
const configFile = join(dir, 'forwarder.yaml');
let env: Record<string, string>;

/** The problem lines of an "Invalid configuration" message. */
function problemLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .sort();
}

beforeAll(async () => {
  writeFileSync(join(dir, 'not-a-pem.txt'), 'this is not a certificate\n');
  writeFileSync(join(dir, 'a-file'), '');
  writeFileSync(
    configFile,
    [
      'targets:',
      `  - { name: ok, type: file, path: ${join(dir, 'ok.ndjson')} }`,
      `  - { name: not-pem, type: syslog, host: 127.0.0.1, protocol: tls, tls: { ca: ${join(dir, 'not-a-pem.txt')} } }`,
      `  - { name: no-ca, type: http, url: "https://127.0.0.1:9/x", tls: { ca: ${join(dir, 'missing.pem')} } }`,
      `  - { name: blocked, type: file, path: ${join(dir, 'a-file', 'sub', 'out.ndjson')} }`,
    ].join('\n'),
  );
  env = await checksOnlyEnv(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('start and validate', () => {
  it('both exit 2 listing every unbuildable target, and start prints no stack trace', async () => {
    const validate = await runCli(['validate', '--config', configFile], env, 20_000, dir);
    const start = await runCli(['start', '--config', configFile], env, 20_000, dir);
    expect(validate.code).toBe(2);
    expect(start.code).toBe(2);
    const lines = problemLines(validate.output);
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).toContain('targets[1] (not-pem): tls.ca');
    expect(lines.join('\n')).toContain('targets[2] (no-ca): tls.ca');
    expect(lines.join('\n')).toContain('targets[3] (blocked): path');
    expect(problemLines(start.output)).toEqual(lines);
    expect(start.output).not.toMatch(/\n\s+at /);
  });

  it('start reports a missing configuration file in one line, without a stack trace', async () => {
    const missing = join(dir, 'missing.yaml');
    const start = await runCli(['start', '--config', missing], env, 20_000, dir);
    expect(start.code).toBe(2);
    expect(start.output).toContain(missing);
    expect(start.output).not.toMatch(/\n\s+at /);
  });
});
