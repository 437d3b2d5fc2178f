// The file target's path: a regular file (or none yet) in a writable directory on a disk; anything else is refused fast.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { fileTargetSchema } from '../../../src/targets/file/config.js';
import { buildFileTarget } from '../../../src/targets/file/target.js';
import { createLogger } from '../../../src/telemetry/logger.js';
import { runCli } from '../../helpers/cli.js';
import { freePort } from '../../helpers/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-file-path-'));
const logger = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds a file target for this path and closes it; throws what the build throws. */
async function build(path: string): Promise<void> {
  const target = buildFileTarget(fileTargetSchema.parse({ name: 't', type: 'file', path }), { logger });
  await target.close();
}

async function buildError(path: string): Promise<string> {
  try {
    await build(path);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`expected building a file target at ${path} to fail`);
}

/**
 * A directory that refuses new files even to root: root ignores permission bits, but not the immutable attribute
 * (chattr(1); access(2) then fails with EPERM). Other users get a plain read-only directory.
 */
function withUnwritableDirectory<T>(run: (path: string) => Promise<T>): Promise<T> {
  const locked = mkdtempSync(join(dir, 'locked-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chattr', ['+i', locked], { stdio: 'pipe' });
  else execFileSync('chmod', ['0555', locked]);
  return run(locked).finally(() => {
    if (asRoot) execFileSync('chattr', ['-i', locked], { stdio: 'pipe' });
    else execFileSync('chmod', ['0755', locked]);
  });
}

describe('file target path', () => {
  it('accepts a file that does not exist yet, creating its directories', async () => {
    const path = join(dir, 'new', 'deeper', 'out.ndjson');
    await build(path);
    expect(statSync(join(dir, 'new', 'deeper')).isDirectory()).toBe(true);
  });

  it('accepts an existing regular file and leaves its content alone', async () => {
    const path = join(dir, 'existing.ndjson');
    writeFileSync(path, '{"kept":true}\n');
    await build(path);
    expect(readFileSync(path, 'utf8')).toBe('{"kept":true}\n');
  });

  it('refuses a directory, and says to name a file inside it', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect(await buildError(path)).toMatch(/^path: .*a-directory is a directory.*a file inside it/);
  });

  it('refuses a character device such as /dev/null', async () => {
    expect(await buildError('/dev/null')).toMatch(/^path: \/dev\/null is a character device/);
  });

  it('refuses a path below a regular file', async () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, '');
    expect(await buildError(join(blocker, 'sub', 'out.ndjson'))).toMatch(
      /^path: .*blocker is a regular file, not a directory/,
    );
  });

  it('refuses a directory that cannot take new files', async () => {
    await withUnwritableDirectory(async (locked) => {
      expect(await buildError(join(locked, 'out.ndjson'))).toMatch(/^path: .*locked-.* is not writable/);
      expect(await buildError(join(locked, 'sub', 'out.ndjson'))).toMatch(
        /^path: .*locked-.* is not writable/,
      );
    });
  });
});

describe('file target path in a child process (a regression must not hang the suite)', () => {
  const env = { FORWARDER_CONFIG: '', REDIS_URL: '' };

  it('validate refuses paths in /proc and /sys and a FIFO within bounded time', async () => {
    const fifo = join(dir, 'a-fifo');
    execFileSync('mkfifo', [fifo]);
    const configFile = join(dir, 'pseudo.yaml');
    writeFileSync(
      configFile,
      [
        'targets:',
        '  - { name: proc-self, type: file, path: /proc/self/x/out.ndjson }',
        '  - { name: proc, type: file, path: /proc/out.ndjson }',
        '  - { name: proc-file, type: file, path: /proc/self/status }',
        '  - { name: sys, type: file, path: /sys/out.ndjson }',
        `  - { name: fifo, type: file, path: ${fifo} }`,
      ].join('\n'),
    );
    // runCli kills the child after 20 s: a spinning or blocked build fails this test instead of hanging it.
    const { code, output } = await runCli(['validate', '--config', configFile], env, 20_000, dir);
    expect(code).toBe(2);
    expect(output).toMatch(/targets\[0\] \(proc-self\): path: .*\/proc.*pseudo-filesystem/);
    expect(output).toMatch(/targets\[1\] \(proc\): path: .*\/proc.*pseudo-filesystem/);
    expect(output).toMatch(/targets\[2\] \(proc-file\): path: .*\/proc.*pseudo-filesystem/);
    expect(output).toMatch(/targets\[3\] \(sys\): path: .*\/sys.*pseudo-filesystem/);
    expect(output).toMatch(/targets\[4\] \(fifo\): path: .*a-fifo is a FIFO/);
  });

  it('start refuses a path in /proc within bounded time', async () => {
    const configFile = join(dir, 'proc.yaml');
    writeFileSync(configFile, 'targets:\n  - { name: out, type: file, path: /proc/self/x/out.ndjson }\n');
    const { code, output } = await runCli(
      ['start', '--config', configFile],
      // Nothing listens on that port: no embedded redis-server is started, so a killed child leaves nothing behind.
      { ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, DATA_DIR: join(dir, 'data'), PORT: '0' },
      20_000,
      dir,
    );
    expect(code).toBe(2);
    expect(output).toMatch(/targets\[0\] \(out\): path: .*\/proc.*pseudo-filesystem/);
  });
});
