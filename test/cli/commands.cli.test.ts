// The command line: help on every command, validate's verdicts, send-sample, and a missing redis-server.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { TEST_SECRET, waitFor, useForwarder } from '../helpers/forwarder.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-cli-'));
const fx = useForwarder();

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('--help', () => {
  for (const command of [[], ['start'], ['validate'], ['send-sample']]) {
    it(`snyk-siem-forwarder ${command.join(' ')} --help prints usage and exits 0`, async () => {
      const { code, output } = await runCli([...command, '--help']);
      expect(code).toBe(0);
      expect(output).toContain(`Usage: snyk-siem-forwarder ${command[0] ?? '<command>'}`);
    });
  }

  it('an unknown command exits 2 with the command list', async () => {
    const { code, output } = await runCli(['frobnicate']);
    expect(code).toBe(2);
    expect(output).toContain('Unknown command "frobnicate"');
  });
});

describe('validate', () => {
  it('exits 0 and names the targets for a good configuration', async () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(
      file,
      `targets:\n  - name: out\n    type: file\n    format: json\n    path: ${join(dir, 'out.ndjson')}\n`,
    );
    const { code, output } = await runCli(['validate', '--config', file], { FORWARDER_CONFIG: '' });
    expect(code).toBe(0);
    expect(output).toContain('Configuration OK');
    expect(output).toContain('out [file, json]');
  });

  it('exits 2 and prints every problem for a bad configuration', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'receiver:\n  prot: 1\ntargets:\n  - name: out\n    type: file\n');
    const { code, output } = await runCli(['validate', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain('receiver: unknown key "prot"');
    expect(output).toContain('targets[0].path: required');
  });

  it('exits 2 when a target cannot be built (its directory cannot be created)', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    const file = join(dir, 'unbuildable.yaml');
    writeFileSync(
      file,
      `targets:\n  - name: out\n    type: file\n    path: ${join(blocker, 'sub', 'out.ndjson')}\n`,
    );
    const { code, output } = await runCli(['validate', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain('targets[0] (out)');
  });
});

describe('send-sample', () => {
  it('posts a signed sample that the forwarder turns into records', async () => {
    const before = fx.forwarder.records().length;
    const { code, output } = await runCli([
      'send-sample',
      '--url',
      fx.forwarder.webhookUrl,
      '--secret',
      TEST_SECRET,
    ]);
    expect(code).toBe(0);
    expect(output).toMatch(/^202 /);
    const transportId = /transport id: (\S+)/.exec(output)?.[1];
    // A generous bound: through the queue and the workers takes about a second, a loaded machine is not a failure.
    await waitFor(
      () => fx.forwarder.records().some((r) => r.transport_id === transportId),
      60_000,
      'sample records',
    );
    expect(fx.forwarder.records().length).toBeGreaterThan(before);
  }, 90_000);

  it('fails with 401 and exit 1 when the secret is wrong', async () => {
    const { code, output } = await runCli([
      'send-sample',
      '--url',
      fx.forwarder.webhookUrl,
      '--secret',
      'wrong-secret-0123456789',
    ]);
    expect(code).toBe(1);
    expect(output).toMatch(/^401 /);
  });
});

describe('start without redis-server', () => {
  it('prints one line saying how to install it or set REDIS_URL, and exits non-zero', async () => {
    const dataDir = join(dir, 'no-redis');
    // PATH holds only a directory with node in it, so redis-server cannot be found.
    const bin = join(dir, 'bin-without-redis');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const { code, output } = await runCli(['start'], {
      PATH: bin,
      DATA_DIR: dataDir,
      REDIS_URL: '',
      PORT: '0',
      FORWARDER_CONFIG: '',
    });
    expect(code).toBe(1);
    expect(output).toMatch(
      /redis-server was not found on PATH: install it .*apt-get install redis-server.* or set REDIS_URL/,
    );
  });
});
