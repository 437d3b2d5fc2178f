// The lock that says which process owns the embedded redis-server of a data directory: flock(2), held for our lifetime.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { flockFd, type FlockOutcome } from '../os/flock.js';
import { processAlive } from './embedded-state.js';

export interface OwnerLock {
  /** Releases the lock; a process that dies releases it too, because the kernel drops the lock with its holder. */
  release(): Promise<void>;
}

/**
 * Takes an exclusive, non-blocking flock(2) on `file`, or answers undefined when another process holds it.
 *
 * The lock is on a descriptor this process keeps open (a plain fd, which no garbage collection closes), so the kernel
 * releases it when the process exits for any reason, SIGKILL included: a held lock proves that its owner is alive, and
 * a free lock proves that it is not.
 */
export async function tryOwnerLock(file: string): Promise<OwnerLock | undefined> {
  const fd = openSync(file, 'a', 0o600);
  let outcome: FlockOutcome;
  try {
    outcome = await flockFd(fd);
  } catch (error) {
    closeSync(fd);
    throw new Error(`could not lock ${file}: ${(error as Error).message}`);
  }
  if (outcome === 'locked') return { release: async () => closeSync(fd) };
  closeSync(fd);
  return outcome === 'busy' ? undefined : pidFileLock(`${file}.pid`);
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
