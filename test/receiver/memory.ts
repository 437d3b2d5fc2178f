// Memory readings for receiver tests: a forced garbage collection, and the peak RSS of this process over a period.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const MIB = 1024 * 1024;

// The V8 flag makes `gc` a global of contexts created afterwards (Node docs, "v8.setFlagsFromString").
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs full garbage collections, so that what is measured afterwards is what is still referenced. */
export function collectGarbage(): void {
  gc();
  gc();
}

/** Resident set size of this process, in MiB. */
export function rssMiB(): number {
  return process.memoryUsage.rss() / MIB;
}

/** Samples RSS every `intervalMs` until stopped; `stop()` returns the highest reading, in MiB. */
export function sampleRss(intervalMs = 25): { stop(): number } {
  let peak = rssMiB();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB());
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMiB());
    },
  };
}
