// flock(2) on an open file, through util-linux's flock(1): the lock belongs to the open file, not to a helper process.
import { spawn } from 'node:child_process';

/** Exit status flock(1) uses when the lock is held elsewhere (`--conflict-exit-code`). */
const BUSY = 75;

export type FlockOutcome = 'locked' | 'busy' | 'unsupported';

/**
 * Takes an exclusive flock(2) on the open file description behind `fd`: without waiting, or for up to `waitSeconds`.
 * Node has no flock binding, so flock(1) is handed the descriptor as its fd 3 and locks it ("flock [options] number",
 * flock(1)). The lock outlives flock(1): it is released when this process closes the file, or by the kernel when this
 * process dies, SIGKILL included. Node opens files close-on-exec, so no other child ever holds it.
 * Answers 'unsupported' where flock(1) is missing (macOS has no util-linux).
 */
export async function flockFd(fd: number, options: { waitSeconds?: number } = {}): Promise<FlockOutcome> {
  const wait = options.waitSeconds === undefined ? ['--nonblock'] : ['--wait', String(options.waitSeconds)];
  const child = spawn('flock', ['--exclusive', ...wait, '--conflict-exit-code', String(BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    // No secret of ours reaches the helper: it gets PATH and nothing else.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 500) stderr += chunk.toString('utf8').slice(0, 500);
  });
  // flock(1) bounds its own wait; this timer only guards against a helper that hangs for another reason.
  const guard = setTimeout(() => child.kill('SIGKILL'), ((options.waitSeconds ?? 0) + 10) * 1000);
  const outcome = await new Promise<number | Error>((resolve) => {
    child.once('error', resolve);
    child.once('close', (code, signal) => resolve(code ?? new Error(`flock(1) ended by ${signal}`)));
  });
  clearTimeout(guard);
  if (outcome === 0) return 'locked';
  if (outcome === BUSY) return 'busy';
  if (outcome instanceof Error) {
    if ((outcome as NodeJS.ErrnoException).code === 'ENOENT') return 'unsupported';
    throw outcome;
  }
  throw new Error(`flock(1) exited with ${outcome}: ${stderr.trim()}`);
}
