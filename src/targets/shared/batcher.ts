// Splits target jobs into requests (maxEvents / maxBytes), optionally merges concurrent jobs (maxWaitMs), checkpoints.
import { SendError, permanent, rateLimited, retryable } from '../../errors.js';
import type { SendContext } from '../types.js';
import { classifySocketError } from './classify-socket.js';

export interface BatchItem {
  id: string;
  /** The record as it goes into the request body (an NDJSON line, an HEC envelope, a bulk action + source pair). */
  piece: string;
  /** Bytes the piece adds to the request body. */
  bytes: number;
}

/** A request's verdict on its items; what is in neither map was delivered. */
export interface FlushOutcome {
  /** Items the peer refused for good (e.g. an Elasticsearch mapping error): id → reason. */
  rejected?: ReadonlyMap<string, string>;
  /** Items the peer could not take now (e.g. Elasticsearch item 429): id → error. */
  failed?: ReadonlyMap<string, SendError>;
}

/** Sends one request with these items. Throws a SendError when the request failed as a whole. */
export type FlushFn<Item extends BatchItem = BatchItem> = (
  items: readonly Item[],
  signal: AbortSignal,
) => Promise<FlushOutcome | undefined>;

/** How items become requests. */
export interface BatchLimits {
  maxEvents: number;
  maxBytes: number;
  /** 0 = each job sends its own requests; > 0 = merge concurrent jobs for up to this long. */
  maxWaitMs: number;
  /** maxWaitMs 0 only: requests of one job in flight at once (default 1, one after another). */
  requestsPerJob?: number;
  /**
   * When delivered ids are checkpointed: after each request (default), or only when the job fails. Each checkpoint
   * rewrites the job's data in Redis (src/workers/target-worker.ts), which one-record requests would do per record.
   */
  checkpoint?: 'each-request' | 'on-failure';
}

export interface BatcherOptions<Item extends BatchItem = BatchItem> extends BatchLimits {
  /** Merged mode: requests in flight at most (the target's concurrency); more would only queue in the agent. */
  maxInFlight?: number;
  flush: FlushFn<Item>;
  /** Names the target in messages. */
  what: string;
}

/** One per target instance. */
export interface Batcher<Item extends BatchItem = BatchItem> {
  /**
   * Resolves when every item of this job is delivered. Delivered items are checkpointed (SendContext.checkpoint; with
   * checkpoint 'on-failure', once the job fails) and refused ones marked (SendContext.reject) as soon as their request
   * settles, so the job's retry carries only what
   * can still succeed, never resends what the peer confirmed, and still ends in the dead-letter queue with the
   * refused records. Otherwise throws, from its items' results:
   * - a request failed as a whole → that SendError (the job's remaining items are not sent: back off);
   * - some items failed retryably → retryable 'partial_failure' (rateLimited when an item error carried a wait);
   * - only permanent item rejections → permanent 'record_rejected' naming ids and reasons.
   */
  send(items: readonly Item[], context: SendContext): Promise<void>;
  /** Fails queued items with a retryable 'target_closed' and aborts requests in flight. */
  close(): Promise<void>;
}

/** Cuts items into consecutive chunks within the limits; an item larger than maxBytes travels alone. */
export function chunkItems<Item extends BatchItem>(
  items: readonly Item[],
  maxEvents: number,
  maxBytes: number,
): Item[][] {
  const chunks: Item[][] = [];
  let current: Item[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= maxEvents || bytes + item.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** What one job has learnt so far. */
class JobState {
  readonly rejected = new Map<string, string>();
  readonly failed = new Map<string, SendError>();
  requestError: SendError | undefined;
  private checkpoints: Promise<void> = Promise.resolve();

  /** Delivered ids held back until the job's verdict (checkpoint: 'on-failure'). */
  private readonly unsaved: string[] = [];

  constructor(
    private readonly context: SendContext,
    private readonly checkpointEachRequest: boolean,
  ) {}

  /** Records one request's results for this job's items and checkpoints what must not be resent. */
  record(items: readonly BatchItem[], outcome: FlushOutcome | undefined): void {
    const done: string[] = [];
    for (const item of items) {
      const failure = outcome?.failed?.get(item.id);
      const reason = outcome?.rejected?.get(item.id);
      if (failure) this.failed.set(item.id, failure);
      else if (reason !== undefined) this.rejected.set(item.id, reason);
      else done.push(item.id);
    }
    const refused = items.filter(
      (item) => outcome?.rejected?.get(item.id) !== undefined && !outcome.failed?.has(item.id),
    );
    if (refused.length > 0) {
      // Refused records stay in the job, marked, so a retry of the rest never loses them (SendContext.reject).
      const rejections = refused.map((item) => ({
        id: item.id,
        reason: this.rejected.get(item.id) ?? 'rejected',
      }));
      const context = this.context;
      this.checkpoints = this.checkpoints.then(() => context.reject(rejections));
    }
    if (done.length === 0) return;
    if (this.checkpointEachRequest) this.checkpoint(done);
    else this.unsaved.push(...done);
  }

  private checkpoint(ids: readonly string[]): void {
    const context = this.context;
    this.checkpoints = this.checkpoints.then(() =>
      context.checkpoint(ids).catch((error: unknown) => {
        // The records are delivered; a lost checkpoint only means a retry may resend them (at-least-once).
        context.logger.warn('checkpoint failed; a retry may resend delivered records', {
          error: error instanceof Error ? error.message : String(error),
        });
      }),
    );
  }

  /** Keeps the request error that tells the most when several requests of the job failed. */
  fail(error: SendError): void {
    this.requestError = this.requestError === undefined ? error : strongerFailure(this.requestError, error);
  }

  get mustStop(): boolean {
    return this.requestError !== undefined || this.failed.size > 0;
  }

  async settle(what: string): Promise<void> {
    if (this.unsaved.length > 0 && (this.mustStop || this.rejected.size > 0)) {
      this.checkpoint(this.unsaved.splice(0));
    }
    await this.checkpoints;
    if (this.requestError) throw this.requestError;
    if (this.failed.size > 0) {
      const waits = [...this.failed.values()].map((e) => e.retryAfterMs ?? 0);
      const wait = Math.max(0, ...waits);
      const message = `${what}: ${this.failed.size} record(s) not accepted yet${describeRejected(this.rejected)}`;
      if (wait > 0) throw rateLimited(message, wait);
      throw retryable('partial_failure', message);
    }
    if (this.rejected.size > 0) {
      throw permanent(
        'record_rejected',
        `${what}: ${this.rejected.size} record(s) rejected: ${listReasons(this.rejected)}`,
      );
    }
  }
}

function listReasons(rejected: ReadonlyMap<string, string>): string {
  const shown = [...rejected].slice(0, 10).map(([id, reason]) => `${id} (${reason})`);
  const more = rejected.size > 10 ? `, and ${rejected.size - 10} more` : '';
  return shown.join(', ') + more;
}

function describeRejected(rejected: ReadonlyMap<string, string>): string {
  return rejected.size === 0 ? '' : `; ${rejected.size} rejected for good: ${listReasons(rejected)}`;
}

/** A wait the peer asked for beats none (the longer wait wins), retryable beats permanent; otherwise the first stays. */
function strongerFailure(first: SendError, next: SendError): SendError {
  if (first.retryAfterMs !== undefined || next.retryAfterMs !== undefined) {
    return (next.retryAfterMs ?? -1) > (first.retryAfterMs ?? -1) ? next : first;
  }
  return first.retryable || !next.retryable ? first : next;
}

function closedError(what: string): SendError {
  return retryable('target_closed', `${what}: target is closing`);
}

export function createBatcher<Item extends BatchItem>(options: BatcherOptions<Item>): Batcher<Item> {
  const { maxEvents, maxBytes, maxWaitMs, flush, what } = options;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 4);
  const requestsPerJob = Math.max(1, options.requestsPerJob ?? 1);
  const checkpointEachRequest = options.checkpoint !== 'on-failure';
  const closing = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  function track(promise: Promise<void>): Promise<void> {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
    return promise;
  }

  async function runFlush(items: readonly Item[], signal: AbortSignal): Promise<FlushOutcome | SendError> {
    try {
      return (await flush(items, signal)) ?? {};
    } catch (error) {
      return classifySocketError(error, what);
    }
  }

  // ---- maxWaitMs = 0: each job sends its own chunks, up to requestsPerJob at once, none after a failure. ----
  async function sendSequential(items: readonly Item[], context: SendContext): Promise<void> {
    const job = new JobState(context, checkpointEachRequest);
    const signal = AbortSignal.any([context.signal, closing.signal]);
    const chunks = chunkItems(items, maxEvents, maxBytes);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!job.mustStop && next < chunks.length) {
        if (signal.aborted) {
          job.fail(
            closing.signal.aborted ? closedError(what) : retryable('target_closed', `${what}: send aborted`),
          );
          break;
        }
        const chunk = chunks[next] as Item[];
        next += 1;
        const work = runFlush(chunk, signal);
        void track(work.then(() => undefined));
        const result = await work;
        if (result instanceof SendError) job.fail(result);
        else job.record(chunk, result);
      }
    };
    await Promise.all(Array.from({ length: Math.min(requestsPerJob, chunks.length) }, worker));
    await job.settle(what);
  }

  // ---- maxWaitMs > 0: concurrent jobs share a queue; a request carries items of several jobs (group commit). ----
  interface Owner {
    job: JobState;
    pending: number;
    wake: () => void;
  }
  interface Entry {
    item: Item;
    owner: Owner;
  }
  let queue: Entry[] = [];
  let queuedBytes = 0;
  let timer: NodeJS.Timeout | undefined;

  function settleEntries(owner: Owner, count: number): void {
    owner.pending -= count;
    if (owner.pending <= 0) owner.wake();
  }

  /** Removes a job's queued items (its request failed, it was aborted, or the target closes). */
  function withdraw(owner: Owner): void {
    let removed = 0;
    queue = queue.filter((entry) => {
      if (entry.owner !== owner) return true;
      removed += 1;
      queuedBytes -= entry.item.bytes;
      return false;
    });
    if (removed > 0) settleEntries(owner, removed);
  }

  function takeChunk(): Entry[] {
    const chunk: Entry[] = [];
    let bytes = 0;
    while (queue.length > 0 && chunk.length < maxEvents) {
      const next = queue[0];
      if (!next || (chunk.length > 0 && bytes + next.item.bytes > maxBytes)) break;
      queue.shift();
      queuedBytes -= next.item.bytes;
      bytes += next.item.bytes;
      chunk.push(next);
    }
    return chunk;
  }

  /** Merged-mode requests in flight; while one is, new items wait (group commit) for at most maxWaitMs. */
  let mergedInFlight = 0;

  function dispatch(chunk: Entry[]): void {
    const items = chunk.map((entry) => entry.item);
    mergedInFlight += 1;
    void track(
      runFlush(items, closing.signal).then((result) => {
        mergedInFlight -= 1;
        const byOwner = new Map<Owner, Item[]>();
        for (const entry of chunk) {
          const list = byOwner.get(entry.owner);
          if (list) list.push(entry.item);
          else byOwner.set(entry.owner, [entry.item]);
        }
        for (const [owner, ownItems] of byOwner) {
          if (result instanceof SendError) owner.job.requestError ??= result;
          else owner.job.record(ownItems, result);
          if (owner.job.mustStop) withdraw(owner);
          settleEntries(owner, ownItems.length);
        }
        pump();
      }),
    );
  }

  /** Set when the oldest waiting record has waited maxWaitMs: waiting records may then leave beside a request in flight. */
  let waitedEnough = false;

  /**
   * Decides what leaves the queue now, with at most maxInFlight merged requests out: a full request (maxEvents /
   * maxBytes) always; otherwise at once when no merged request is in flight (an idle target adds no latency), or when
   * one completes, or maxWaitMs after the oldest waiting record arrived, whichever comes first. Records that arrive
   * while a request is out are thus sent together (group commit).
   */
  function pump(): void {
    if (closed) return;
    while (queue.length > 0 && mergedInFlight < maxInFlight) {
      const full = queue.length >= maxEvents || queuedBytes >= maxBytes;
      if (!full && mergedInFlight > 0 && !waitedEnough) break;
      dispatch(takeChunk());
    }
    if (queue.length === 0) {
      waitedEnough = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    } else if (timer === undefined && !waitedEnough) {
      timer = setTimeout(() => {
        timer = undefined;
        waitedEnough = true;
        pump();
      }, maxWaitMs);
    }
  }

  async function sendMerged(items: readonly Item[], context: SendContext): Promise<void> {
    const job = new JobState(context, checkpointEachRequest);
    let wake!: () => void;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const owner: Owner = { job, pending: items.length, wake };
    for (const item of items) {
      queue.push({ item, owner });
      queuedBytes += item.bytes;
    }
    const onAbort = (): void => {
      job.requestError ??= retryable('target_closed', `${what}: send aborted`);
      withdraw(owner);
    };
    context.signal.addEventListener('abort', onAbort, { once: true });
    // Defer to the end of this tick so that jobs started together share the first request.
    queueMicrotask(pump);
    try {
      await done;
    } finally {
      context.signal.removeEventListener('abort', onAbort);
    }
    await job.settle(what);
  }

  return {
    async send(items, context) {
      if (closed) throw closedError(what);
      if (items.length === 0) return;
      if (context.signal.aborted) throw retryable('target_closed', `${what}: send aborted`);
      return maxWaitMs > 0 ? sendMerged(items, context) : sendSequential(items, context);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const owners = new Set(queue.map((entry) => entry.owner));
      for (const owner of owners) {
        owner.job.requestError ??= closedError(what);
        withdraw(owner);
      }
      closing.abort(new Error('target closed'));
      await Promise.allSettled([...inFlight]);
    },
  };
}
