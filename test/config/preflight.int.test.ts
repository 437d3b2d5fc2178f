// The checks start and validate share: every problem listed at once, one line each naming the key and the fix.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { preflight } from '../../src/config/preflight.js';
import { ConfigError } from '../../src/errors.js';
import { makeTestPki, type TestPki } from '../helpers/test-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-preflight-'));
let pki: TestPki;

beforeAll(() => {
  pki = makeTestPki();
  writeFileSync(join(dir, 'not-a-pem.txt'), 'this is not a certificate\n');
  writeFileSync(join(dir, 'a-file'), '');
});

afterAll(() => {
  pki?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

function configFrom(lines: string[]) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, lines.join('\n'));
  return loadConfig({ configFile: file, env: {}, cwd: dir }).config;
}

async function problemsOf(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('preflight', () => {
  it('passes a configuration whose targets all build, TLS files included', async () => {
    const config = configFrom([
      'targets:',
      `  - { name: out, type: file, path: ${join(dir, 'out', 'records.ndjson')} }`,
      `  - { name: s, type: syslog, host: 127.0.0.1, protocol: tls, tls: { ca: ${pki.caFile}, cert: ${pki.clientCertFile}, key: ${pki.clientKeyFile} } }`,
    ]);
    await expect(preflight(config)).resolves.toBeUndefined();
  });

  it('lists every unbuildable target, one line each with the key and the fix', async () => {
    const config = configFrom([
      'targets:',
      `  - { name: ok, type: file, path: ${join(dir, 'ok.ndjson')} }`,
      `  - { name: not-pem, type: syslog, host: 127.0.0.1, protocol: tls, tls: { ca: ${join(dir, 'not-a-pem.txt')} } }`,
      `  - { name: no-ca, type: http, url: "https://127.0.0.1:9/x", tls: { ca: ${join(dir, 'missing.pem')} } }`,
      `  - { name: blocked, type: file, path: ${join(dir, 'a-file', 'sub', 'out.ndjson')} }`,
    ]);
    const problems = await problemsOf(preflight(config));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^targets\[1\] \(not-pem\): tls\.ca: .*not-a-pem\.txt.* PEM/);
    expect(problems[1]).toMatch(/^targets\[2\] \(no-ca\): tls\.ca: .*missing\.pem.*(does not exist|ENOENT)/);
    expect(problems[2]).toMatch(/^targets\[3\] \(blocked\): path: .*a-file.* not a directory/);
    for (const problem of problems) {
      expect(problem).not.toContain('\n');
      expect(problem).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('checks the client certificate and key of a target', async () => {
    const config = configFrom([
      'targets:',
      `  - { name: mtls, type: syslog, host: 127.0.0.1, protocol: tls, tls: { cert: ${join(dir, 'not-a-pem.txt')}, key: ${pki.caFile} } }`,
    ]);
    const problems = await problemsOf(preflight(config));
    expect(problems.join('\n')).toMatch(/targets\[0\] \(mtls\): tls\.cert: .*not-a-pem\.txt/);
    expect(problems.join('\n')).toMatch(/targets\[0\] \(mtls\): tls\.key: /);
  });

  it('refuses a certificate and key that do not belong together', async () => {
    const config = configFrom([
      'targets:',
      `  - { name: mtls, type: syslog, host: 127.0.0.1, protocol: tls, tls: { cert: ${pki.clientCertFile}, key: ${pki.serverKeyFile} } }`,
    ]);
    const problems = await problemsOf(preflight(config));
    expect(problems).toEqual([
      expect.stringMatching(/^targets\[0\] \(mtls\): tls\.key: .*does not match tls\.cert/),
    ]);
  });

  it('checks the TLS files of redis.tls', async () => {
    const config = configFrom([
      'redis:',
      '  url: rediss://127.0.0.1:6380',
      `  tls: { ca: ${join(dir, 'not-a-pem.txt')} }`,
    ]);
    const problems = await problemsOf(preflight(config));
    expect(problems).toEqual([expect.stringMatching(/^redis\.tls\.ca: .*not-a-pem\.txt.* PEM/)]);
  });
});
