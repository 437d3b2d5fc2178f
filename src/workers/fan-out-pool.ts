// A pool of worker threads that fan a delivery out and store its target jobs, so that parsing, normalising,
// encoding and serialising a large delivery never block the event loop that answers HTTP and renews job locks.
import { createInterface } from 'node:readline';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { PayloadError } from '../../normalizers/index.js';
import type { IngestJobData } from '../queue/jobs.js';
import { reportClientError } from '../telemetry/client-errors.js';
import { fanOutCounted, type FanOutTarget } from './fan-out.js';
import { createTargetJobStore, type FanOutStore } from './target-job-store.js';
import type { SnapshotDelta } from '../snyk/reconcile/snapshot-delta.js';

export interface FanOutTask {
  id: number;
  data: IngestJobData;
  deliveryId: string;
  targets: readonly FanOutTarget[];
}

export type FanOutReply =
  | {
      id: number;
      ok: true;
      counts: Record<string, number>;
      filtered: Record<string, number>;
      delta?: SnapshotDelta;
    }
  | { id: number; ok: false; payloadError: string }
  | { id: number; ok: false; error: string };

/** An error event of a thread's Redis queue, which only the main thread can log and count. */
export interface FanOutClientError {
  clientError: string;
}

/**
 * Records stored per target and records each target's filter dropped (counted in the main thread, which has the
 * metrics), or why the payload cannot be understood (final: the delivery is dead-lettered).
 */
export type FanOutOutcome =
  | { ok: true; counts: Record<string, number>; filtered: Record<string, number>; delta?: SnapshotDelta }
  | { ok: false; payloadError: string };

/**
 * Bodies up to this size are fanned out on the calling thread. A 5-issue snapshot (12 KB) normalises in a fraction of
 * a millisecond, far less than the message to a thread and back costs, and a thread started for the first delivery of
 * a burst costs its own module loading (about a second of CPU); 64 KiB (about 25 issues) still normalises within a
 * few milliseconds, so the event loop that answers webhooks never waits longer than that (bench/results).
 */
export const INLINE_MAX_BYTES = 64 * 1024;

export interface FanOutPoolOptions {
  /** Threads at most, started when first needed and kept for the next task. */
  size: number;
  store: FanOutStore;
  /** Bodies of at most this many bytes are fanned out without a thread (default INLINE_MAX_BYTES; 0: never). */
  inlineMaxBytes?: number;
  /** Heap limits of each thread: a payload that needs more fails its task (and is retried), not the process. */
  resourceLimits?: ResourceLimits;
}

export interface FanOutPool {
  /** Fans one delivery out and stores its target jobs; rejects on anything a retry can fix (Redis, a thread lost). */
  run(data: IngestJobData, deliveryId: string, targets: readonly FanOutTarget[]): Promise<FanOutOutcome>;
  /** Threads running now (idle or busy). */
  threads(): number;
  /** Stops every thread within `ms`; tasks still running or waiting fail, and their ingest jobs are retried. */
  close(ms: number): Promise<void>;
}

interface Pending {
  task: FanOutTask;
  resolve(outcome: FanOutOutcome): void;
  reject(error: Error): void;
}

/** Sent to a thread to make it close its Redis connection and exit. */
export const CLOSE_MESSAGE = 'close';

/**
 * Starts one thread. Compiled, this module is `dist/src/workers/fan-out-pool.js` and the entry sits beside it as
 * `fan-out-thread.js`. From the TypeScript sources (tsx, vitest) the entry is `fan-out-thread.ts`, which a new
 * thread can import only once tsx's loader is registered in it: Node 20 does not carry loader hooks into workers.
 */
function startThread(store: FanOutStore, resourceLimits: ResourceLimits | undefined): Worker {
  const here = import.meta.url;
  // The thread's stdout and stderr come to the pool rather than straight to the process's (forwardOutput).
  const options = { workerData: store, resourceLimits, stdout: true, stderr: true };
  if (!here.endsWith('.ts')) return new Worker(new URL('./fan-out-thread.js', here), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./fan-out-thread.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * What a thread prints (BullMQ's console warnings about the Redis its queues connect to) goes line by line through this
 * thread's console, which the daemon sends to its log (telemetry/console-capture.ts). Node would otherwise copy it to
 * the process's stdout and stderr as it is, and break the JSON log (https://nodejs.org/api/worker_threads.html,
 * `stdout` and `stderr` options of new Worker()).
 */
function forwardOutput(thread: Worker): void {
  /* eslint-disable no-console -- a library's own output, passed on to the console the daemon captures */
  createInterface({ input: thread.stdout, crlfDelay: Infinity }).on('line', (line) => console.log(line));
  createInterface({ input: thread.stderr, crlfDelay: Infinity }).on('line', (line) => console.warn(line));
  /* eslint-enable no-console */
}

export function createFanOutPool(options: FanOutPoolOptions): FanOutPool {
  const size = Math.max(1, options.size);
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  const waiting: Pending[] = [];
  const exited = new Map<Worker, Promise<void>>();
  let nextId = 1;
  let closed = false;
  const inlineMaxBytes = options.inlineMaxBytes ?? INLINE_MAX_BYTES;
  // The calling thread's own store, for the deliveries it fans out itself; connected when first used.
  const inlineStore = createTargetJobStore(options.store, (error) =>
    reportClientError('fan_out_queue', error.message),
  );

  /** A small delivery, fanned out here: the same outcome a thread would post back. */
  async function runInline(
    data: IngestJobData,
    deliveryId: string,
    targets: readonly FanOutTarget[],
  ): Promise<FanOutOutcome> {
    let fanned;
    try {
      fanned = fanOutCounted(data, deliveryId, targets);
    } catch (error) {
      if (error instanceof PayloadError) return { ok: false, payloadError: error.message };
      throw error;
    }
    const counts = await inlineStore.add(deliveryId, fanned.jobs);
    return { ok: true, counts, filtered: fanned.filtered, ...(fanned.delta ? { delta: fanned.delta } : {}) };
  }

  function settle(thread: Worker, reply: FanOutReply): void {
    const pending = busy.get(thread);
    if (pending === undefined || pending.task.id !== reply.id) return;
    busy.delete(thread);
    // An idle thread never keeps the process alive; a busy one does, until its answer is in.
    thread.unref();
    if (reply.ok) {
      const { counts, filtered, delta } = reply;
      pending.resolve({ ok: true, counts, filtered, ...(delta ? { delta } : {}) });
    } else if ('payloadError' in reply) pending.resolve({ ok: false, payloadError: reply.payloadError });
    else pending.reject(new Error(`fan-out failed: ${reply.error}`));
    idle.push(thread);
    dispatch();
  }

  /** A thread that died (an uncaught error, its heap limit, close) fails its task and leaves the pool. */
  function lose(thread: Worker, error: Error): void {
    const index = idle.indexOf(thread);
    if (index >= 0) idle.splice(index, 1);
    const pending = busy.get(thread);
    busy.delete(thread);
    pending?.reject(error);
    dispatch();
  }

  function spawn(): Worker {
    const thread = startThread(options.store, options.resourceLimits);
    forwardOutput(thread);
    thread.on('message', (message: FanOutReply | FanOutClientError) => {
      if ('clientError' in message) reportClientError('fan_out_queue', message.clientError);
      else settle(thread, message);
    });
    thread.on('error', (error) => lose(thread, new Error(`fan-out thread failed: ${error.message}`)));
    exited.set(
      thread,
      new Promise((resolve) =>
        thread.once('exit', (code) => {
          exited.delete(thread);
          lose(thread, new Error(`fan-out thread exited with code ${code}`));
          resolve();
        }),
      ),
    );
    return thread;
  }

  function dispatch(): void {
    while (!closed && waiting.length > 0) {
      let thread = idle.pop();
      if (thread === undefined) {
        if (busy.size >= size) return;
        thread = spawn();
      }
      const pending = waiting.shift() as Pending;
      busy.set(thread, pending);
      thread.ref();
      thread.postMessage(pending.task);
    }
  }

  return {
    run(data, deliveryId, targets) {
      if (closed) return Promise.reject(new Error('fan-out pool is closed'));
      // Bytes of the body as stored; a string's length in UTF-16 units bounds its UTF-8 size from below.
      if (data.body.length <= inlineMaxBytes && Buffer.byteLength(data.body) <= inlineMaxBytes)
        return runInline(data, deliveryId, targets);
      return new Promise<FanOutOutcome>((resolve, reject) => {
        waiting.push({ task: { id: nextId++, data, deliveryId, targets }, resolve, reject });
        dispatch();
      });
    },
    threads: () => exited.size,
    async close(ms) {
      closed = true;
      for (const pending of waiting.splice(0)) pending.reject(new Error('fan-out pool is closed'));
      const threads = [...exited.keys()];
      for (const thread of threads) thread.postMessage(CLOSE_MESSAGE);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
      await Promise.race([Promise.all(threads.map((thread) => exited.get(thread))), deadline]);
      clearTimeout(timer);
      await Promise.all([...exited.keys()].map((thread) => thread.terminate()));
      await inlineStore.close(1000);
    },
  };
}
