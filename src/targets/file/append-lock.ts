// An exclusive flock(2) on the output file for one append, so that processes sharing a file target path take turns.
import { spawn } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import { retryable } from '../../errors.js';

/** How long an append waits for another process's append to finish before its job is retried. */
export const LOCK_WAIT_SECONDS = 30;

/** Exit status flock(1) uses when the wait ran out (`--conflict-exit-code`). */
const BUSY = 75;

export type LockOutcome = 'locked' | 'unsupported';

/**
 * Takes an exclusive flock(2) on the open file behind `handle`, waiting up to LOCK_WAIT_SECONDS. The lock belongs to
 * the open file description, not to a process: Node has no flock binding, so util-linux's flock(1) is given the
 * descriptor as its fd 3 and locks it ("flock [options] number", flock(1)); the lock outlives flock(1) and is released
 * when the handle is closed, or by the kernel when this process dies, SIGKILL included. Locking the open file rather
 * than its path also keeps a renamed (rotated) file and its successor apart.
 *
 * Answers 'unsupported' where flock(1) is missing (macOS has no util-linux): appends are then serialised in this
 * process only. Throws a retryable DeliveryError when another process held the lock for the whole wait.
 */
export async function lockForAppend(handle: FileHandle, path: string): Promise<LockOutcome> {
  const child = spawn(
    'flock',
    ['--exclusive', '--wait', String(LOCK_WAIT_SECONDS), '--conflict-exit-code', String(BUSY), '3'],
    // No secret of ours reaches the helper: it gets PATH and nothing else.
    { stdio: ['ignore', 'ignore', 'pipe', handle.fd], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 500) stderr += chunk.toString('utf8').slice(0, 500);
  });
  // flock(1) bounds its own wait; this timer only guards against a helper that hangs for another reason.
  const guard = setTimeout(() => child.kill('SIGKILL'), (LOCK_WAIT_SECONDS + 10) * 1000);
  const outcome = await new Promise<number | Error>((resolve) => {
    child.once('error', resolve);
    child.once('close', (code, signal) => resolve(code ?? new Error(`flock(1) ended by ${signal}`)));
  });
  clearTimeout(guard);
  if (outcome === 0) return 'locked';
  if (outcome instanceof Error) {
    if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') return 'unsupported';
    throw retryable('io_error', `locking ${path} failed: ${outcome.message}`, outcome);
  }
  if (outcome === BUSY) {
    throw retryable('io_error', `another process held the lock on ${path} for ${LOCK_WAIT_SECONDS} s`);
  }
  throw retryable('io_error', `locking ${path} failed: flock(1) exited with ${outcome}: ${stderr.trim()}`);
}
