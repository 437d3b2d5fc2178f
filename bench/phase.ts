// Time bounds for the benches: a stuck step ends the bench with an error naming it, never a hang.
import type { ChildProcess } from 'node:child_process';

/** Polls `check` every 100 ms until it holds; throws naming `what` after `limitMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  limitMs: number,
): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs `run`, rejecting with an error naming `name` if it has not settled after `limitMs`. */
export async function withinLimit<T>(name: string, limitMs: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name}: did not finish within ${limitMs} ms`)), limitMs);
  });
  try {
    return await Promise.race([run(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs))]);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
}

/**
 * How to get rid of everything a bench started and has not stopped yet: when a bench is aborted (its overall time
 * limit, or Ctrl-C) these run at once, so that no process or directory outlives it.
 */
const running = new Set<() => Promise<void>>();

/**
 * Registers a resource: `stop` is its normal stop, `abort` the quick one an aborted bench uses (default: `stop`).
 * Returns the stop, which runs once and unregisters the resource.
 */
export function track(stop: () => Promise<void>, abort: () => Promise<void> = stop): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const once = (how: () => Promise<void>) => {
    running.delete(onAbort);
    stopping ??= how();
    return stopping;
  };
  const onAbort = () => once(abort);
  running.add(onAbort);
  return () => once(stop);
}

/** Runs the abort of every registered resource, each bounded. */
export async function stopAll(limitMs = 20_000): Promise<void> {
  await Promise.allSettled([...running].map((abort) => withinLimit('cleanup', limitMs, abort)));
}

export function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
