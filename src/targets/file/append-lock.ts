// An exclusive flock(2) on the output file for one append, so that processes sharing a file target path take turns.
import type { FileHandle } from 'node:fs/promises';
import { retryable } from '../../errors.js';
import { flockFd, type FlockOutcome } from '../../os/flock.js';

/** How long an append waits for another process's append to finish before its job is retried. */
export const LOCK_WAIT_SECONDS = 30;

export type LockOutcome = Exclude<FlockOutcome, 'busy'>;

/**
 * Takes an exclusive flock(2) on the open file behind `handle`, waiting up to LOCK_WAIT_SECONDS; it is released when
 * the handle is closed. Locking the open file rather than its path also keeps a renamed (rotated) file and its
 * successor apart.
 *
 * Answers 'unsupported' where flock(1) is missing (macOS has no util-linux): appends are then serialised in this
 * process only. Throws a retryable SendError when another process held the lock for the whole wait.
 */
export async function lockForAppend(handle: FileHandle, path: string): Promise<LockOutcome> {
  let outcome: FlockOutcome;
  try {
    outcome = await flockFd(handle.fd, { waitSeconds: LOCK_WAIT_SECONDS });
  } catch (error) {
    throw retryable('io_error', `locking ${path} failed: ${(error as Error).message}`, error);
  }
  if (outcome === 'busy') {
    throw retryable('io_error', `another process held the lock on ${path} for ${LOCK_WAIT_SECONDS} s`);
  }
  return outcome;
}
