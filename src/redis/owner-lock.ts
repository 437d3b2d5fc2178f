// The lock that says which process owns the embedded redis-server of a data directory: flock(2), held for our lifetime.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { processAlive } from './embedded-state.js';

export interface OwnerLock {
  /** Releases the lock; a process that dies releases it too, because the kernel drops the lock with its holder. */
  release(): Promise<void>;
}

/** Exit status flock(1) uses when the lock is held elsewhere (`--conflict-exit-code`). */
const BUSY = 75;

/**
 * Takes an exclusive, non-blocking flock(2) on `file`, or answers undefined when another process holds it.
 *
 * Node has no flock binding, so the lock is held by util-linux's flock(1) running `cat` on a pipe from this
 * process (flock(1), "-c command"). When this process exits for any reason, SIGKILL included, the pipe closes,
 * `cat` ends and the kernel releases the lock: a held lock therefore proves that its owner is alive, and a free
 * lock proves that it is not. The helper runs in its own process group, so a Ctrl-C on the terminal reaches only
 * the daemon, which releases the lock last.
 */
export async function tryOwnerLock(file: string): Promise<OwnerLock | undefined> {
  closeSync(openSync(file, 'a', 0o600));
  const child = spawn(
    'flock',
    ['--nonblock', '--conflict-exit-code', String(BUSY), file, '-c', 'echo locked; exec cat >/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'ignore'],
      detached: true,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    },
  );
  const outcome = await new Promise<'locked' | 'busy' | Error>((resolve) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('locked')) resolve('locked');
    });
    child.once('error', (error) => resolve(error));
    child.once('exit', (code) => resolve(code === BUSY ? 'busy' : new Error(`flock exited with ${code}`)));
  });
  if (outcome === 'busy') return undefined;
  if (outcome instanceof Error) {
    child.kill('SIGKILL');
    if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') return pidFileLock(`${file}.pid`);
    throw new Error(`could not lock ${file}: ${outcome.message}`);
  }
  // The helper must never keep this process alive on its own, nor be killed with our process group.
  child.unref();
  child.stdout?.destroy();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return { release: () => releaseLock(child) };
}

async function releaseLock(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

/**
 * Where flock(1) is missing (macOS has no util-linux): a lock file created exclusively (O_EXCL) that holds the owner's
 * pid. Weaker than flock: a pid that a new process reused after the owner died keeps the lock until that process ends.
 */
function pidFileLock(file: string): OwnerLock | undefined {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      return { release: async () => rmSync(file, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) return undefined;
      rmSync(file, { force: true });
    }
  }
  return undefined;
}
