// Configuration loading: YAML, environment precedence, interpolation, _FILE secrets, strict keys, frozen result.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { renderEnvExample } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the embedded defaults with no file and no environment', () => {
    const { config, source } = loadConfig({ env: {}, cwd: dir });
    expect(source).toBeUndefined();
    expect(config.receiver).toMatchObject({
      host: '0.0.0.0',
      port: 8080,
      path: '/webhooks/snyk',
      maxBodyBytes: 32 * 1024 * 1024,
    });
    expect(config.receiver.dedupWindowSeconds).toBe(86_400);
    expect(config.dataDir).toBe(join(dir, 'data'));
    expect(config.targets).toEqual([
      expect.objectContaining({
        name: 'default-file',
        type: 'file',
        format: 'json',
        path: join(dir, 'data', 'out', 'findings.ndjson'),
      }),
    ]);
  });

  it('lets environment variables win over the YAML file', () => {
    const file = yamlFile(
      'env-wins.yaml',
      'receiver:\n  port: 9000\n  host: 127.0.0.1\nredis:\n  url: redis://file:6379\n',
    );
    const { config } = loadConfig({
      configFile: file,
      env: { PORT: '9100', REDIS_URL: 'redis://env:6379' },
      cwd: dir,
    });
    expect(config.receiver.port).toBe(9100);
    expect(config.receiver.host).toBe('127.0.0.1');
    expect(config.redis.url).toBe('redis://env:6379');
  });

  it('reads FORWARDER_CONFIG when --config is not given, and ./forwarder.yaml otherwise', () => {
    const file = yamlFile('via-env.yaml', 'receiver:\n  port: 9200\n');
    expect(loadConfig({ env: { FORWARDER_CONFIG: file }, cwd: dir }).config.receiver.port).toBe(9200);
    const sub = mkdtempSync(join(dir, 'cwd-'));
    writeFileSync(join(sub, 'forwarder.yaml'), 'receiver:\n  port: 9300\n');
    expect(loadConfig({ env: {}, cwd: sub }).config.receiver.port).toBe(9300);
  });

  it('splits SNYK_WEBHOOK_SECRET on commas, for rotation', () => {
    const { config } = loadConfig({
      env: { SNYK_WEBHOOK_SECRET: 'old-secret-0123456789abcdef, new-secret-0123456789abcdef' },
      cwd: dir,
    });
    expect(config.receiver.secrets).toEqual(['old-secret-0123456789abcdef', 'new-secret-0123456789abcdef']);
  });

  it('reads a secret from <NAME>_FILE', () => {
    const secretFile = join(dir, 'secret.txt');
    writeFileSync(secretFile, 'file-secret-0123456789abcdef\n');
    const { config } = loadConfig({ env: { SNYK_WEBHOOK_SECRET_FILE: secretFile }, cwd: dir });
    expect(config.receiver.secrets).toEqual(['file-secret-0123456789abcdef']);
  });

  it('interpolates ${VAR}, ${VAR:-default} and VAR_FILE in YAML values', () => {
    const tokenFile = join(dir, 'token.txt');
    writeFileSync(tokenFile, '/tmp/from-file.ndjson\n');
    const file = yamlFile(
      'interp.yaml',
      [
        'receiver:',
        '  path: ${HOOK_PATH}',
        'redis:',
        '  prefix: ${PREFIX:-{snyk-siem}}',
        'targets:',
        '  - name: a',
        '    type: file',
        '    path: ${OUT_PATH}',
        '  - name: b',
        '    type: file',
        '    path: $${literal}',
      ].join('\n'),
    );
    const { config } = loadConfig({
      configFile: file,
      env: { HOOK_PATH: '/hooks/snyk', OUT_PATH_FILE: tokenFile },
      cwd: dir,
    });
    expect(config.receiver.path).toBe('/hooks/snyk');
    expect(config.redis.prefix).toBe('{snyk-siem}');
    expect(config.targets[0]).toMatchObject({ path: '/tmp/from-file.ndjson' });
    expect(config.targets[1]).toMatchObject({ path: '${literal}' });
  });

  it('rejects unknown keys and lists every problem with its path in one error', () => {
    const file = yamlFile(
      'bad.yaml',
      [
        'reciever:',
        '  port: 1',
        'receiver:',
        '  port: 99999',
        '  maxBodyBytes: 10',
        'redis:',
        '  url: http://nope',
        'targets:',
        '  - name: Bad Name',
        '    type: file',
        '  - name: x',
        '    type: carrier-pigeon',
        '  - name: y',
        '    type: file',
        '    path: /tmp/y',
        '    colour: blue',
        '  - name: ${UNSET_VARIABLE}',
        '    type: file',
        '    path: /tmp/z',
      ].join('\n'),
    );
    const problems = problemsOf(() => loadConfig({ configFile: file, env: {}, cwd: dir }));
    const text = problems.join('\n');
    expect(text).toMatch(/reciever/);
    expect(text).toMatch(/receiver\.port/);
    expect(text).toMatch(/receiver\.maxBodyBytes/);
    expect(text).toMatch(/redis\.url: must start with redis:\/\/ or rediss:\/\//);
    expect(text).toMatch(/targets\[0\]\.name/);
    expect(text).toMatch(/targets\[0\]\.path/);
    expect(text).toMatch(/targets\[1\].*unknown target type/);
    expect(text).toMatch(/targets\[2\].*colour/);
    expect(text).toMatch(/\$\{UNSET_VARIABLE\} is not set/);
    expect(text).toMatch(/targets\[0\]\.path: required/);
    expect(problems.length).toBeGreaterThanOrEqual(8);
  });

  it('rejects two targets with the same name', () => {
    const file = yamlFile(
      'dupe.yaml',
      'targets:\n  - {name: a, type: file, path: /tmp/a}\n  - {name: a, type: file, path: /tmp/b}\n',
    );
    expect(problemsOf(() => loadConfig({ configFile: file, env: {}, cwd: dir })).join()).toMatch(
      /used twice/,
    );
  });

  it('refuses the reserved target name "ingest", saying why and what to do', () => {
    const file = yamlFile(
      'reserved.yaml',
      'targets:\n  - {name: ingest, type: file, path: /tmp/a}\n  - {name: ingest-archive, type: file, path: /tmp/b}\n',
    );
    const problems = problemsOf(() => loadConfig({ configFile: file, env: {}, cwd: dir }));
    expect(problems).toEqual([
      expect.stringMatching(/^targets\[0\]\.name: "ingest" is reserved .*dead-letter.*; choose another name/),
    ]);
  });

  it('does not echo a secret value in an error', () => {
    const problems = problemsOf(() => loadConfig({ env: { SNYK_WEBHOOK_SECRET: 'short' }, cwd: dir }));
    expect(problems.join()).toMatch(/receiver\.secrets\[0\]/);
    expect(problems.join()).not.toContain('short"');
  });

  it('returns a frozen configuration', () => {
    const { config } = loadConfig({ env: {}, cwd: dir });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.receiver)).toBe(true);
    expect(Object.isFrozen(config.targets[0])).toBe(true);
  });
});

describe('.env.example', () => {
  it('matches the environment contract in src/config/env.ts (regenerate with npm run gen:env-example)', () => {
    const committed = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(committed).toBe(renderEnvExample());
  });

  it('lists every variable of the contract with its default', () => {
    const text = renderEnvExample();
    for (const name of [
      'SNYK_WEBHOOK_SECRET',
      'SNYK_WEBHOOK_SECRET_FILE',
      'REDIS_URL',
      'DATA_DIR',
      'HOST',
      'PORT',
      'LOG_LEVEL',
      'FORWARDER_CONFIG',
    ]) {
      expect(text).toContain(name);
    }
    expect(text).toContain('DATA_DIR=./data');
    expect(text).toContain('PORT=8080');
    expect(text).toContain('HOST=0.0.0.0');
  });
});
