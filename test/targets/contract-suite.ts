// The cases every target type passes, run against a local peer: targetContract(name, setup) registers a vitest describe.
//
// A target plugs in with a ContractSetup: start/stop its peer, build a fresh target, make the peer behave, and report
// which record ids the peer parsed. A case that cannot apply (syslog has no Retry-After) is declared not applicable
// with a reason next to its setup, and registers no test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EncodedRecord } from '../../src/record-batch.js';
import type { Target } from '../../src/targets/types.js';
import { batchOf, jsonRecords, recordingContext, deliveryFailure } from '../helpers/peers/records.js';

/** Peer behaviours the suite asks for; each peer maps them onto its protocol. */
export type ContractBehaviour =
  /** normal service */
  | 'ok'
  /** one transient failure (e.g. HTTP 503), then ok */
  | 'fail-once'
  /** a permanent refusal (e.g. HTTP 400) */
  | 'reject'
  /** overloaded, with a wait hint (e.g. 429 + Retry-After) */
  | 'throttle'
  /** accepts the connection and the request, never answers */
  | 'hang';

export type ContractCase =
  | 'happy path'
  | 'transient failure then success'
  | 'permanent failure'
  | 'retry-after'
  | 'timeout'
  | 'clean close'
  | 'close fails pending sends';

export interface ContractPeer {
  behave(behaviour: ContractBehaviour): void;
  /** Ids of the records the peer parsed and stored, with repeats, in arrival order. */
  receivedIds(): readonly string[];
  /** Connections currently open at the peer. */
  openConnections(): number;
}

export interface ContractSetup {
  /** Starts the peer (beforeAll). */
  start(): Promise<ContractPeer>;
  /** Stops it (afterAll). */
  stop(): Promise<void>;
  /** A fresh target for one case; the suite closes it. */
  build(options: { timeoutMs: number }): Target;
  /** Records to send (default: JSON records whose body has an `id` field). */
  records?(count: number, prefix: string): EncodedRecord[];
  /** Cases that cannot apply, with the reason. */
  notApplicable?: Partial<Record<ContractCase, string>>;
  /** The wait the peer asks for under 'throttle', in ms (default 2000). */
  retryAfterMs?: number;
}

const TIMEOUT_MS = 300;
const SLACK_MS = 1_500;

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
}

export function targetContract(name: string, setup: ContractSetup): void {
  describe(`target contract: ${name}`, () => {
    let peer: ContractPeer;
    const makeRecords = setup.records ?? ((count: number, prefix: string) => jsonRecords(count, prefix));

    beforeAll(async () => {
      peer = await setup.start();
    });
    afterAll(async () => {
      await setup.stop();
    });

    function contractCase(
      title: ContractCase,
      body: (target: Target) => Promise<void>,
      timeoutMs = TIMEOUT_MS,
    ): void {
      // A case that cannot happen for this target type (syslog has no Retry-After) registers no test at all:
      // the reason lives next to the target's setup, and nothing is reported as skipped.
      if (setup.notApplicable?.[title] !== undefined) return;
      it(title, async () => {
        peer.behave('ok');
        const target = setup.build({ timeoutMs });
        try {
          await body(target);
        } finally {
          peer.behave('ok');
          await target.close();
        }
      });
    }

    contractCase(
      'happy path',
      async (target) => {
        const records = makeRecords(5, 'happy-');
        const recording = recordingContext();
        await target.send(batchOf(records), recording.context);
        const received = peer.receivedIds().filter((id) => id.startsWith('happy-'));
        expect([...received].sort()).toEqual(records.map((r) => r.id).sort());
        for (const id of recording.checkpointed()) expect(records.map((r) => r.id)).toContain(id);
      },
      5_000,
    );

    contractCase(
      'transient failure then success',
      async (target) => {
        const records = makeRecords(3, 'transient-');
        peer.behave('fail-once');
        const first = await deliveryFailure(target.send(batchOf(records), recordingContext().context));
        expect(first.retryable).toBe(true);
        await target.send(batchOf(records), recordingContext().context);
        const received = new Set(peer.receivedIds().filter((id) => id.startsWith('transient-')));
        expect([...received].sort()).toEqual(records.map((r) => r.id).sort());
      },
      5_000,
    );

    contractCase(
      'permanent failure',
      async (target) => {
        peer.behave('reject');
        const error = await deliveryFailure(
          target.send(batchOf(makeRecords(2, 'permanent-')), recordingContext().context),
        );
        expect(error.retryable).toBe(false);
      },
      5_000,
    );

    contractCase(
      'retry-after',
      async (target) => {
        peer.behave('throttle');
        const error = await deliveryFailure(
          target.send(batchOf(makeRecords(2, 'throttle-')), recordingContext().context),
        );
        expect(error.retryable).toBe(true);
        expect(error.code).toBe('rate_limited');
        expect(error.retryAfterMs).toBe(setup.retryAfterMs ?? 2_000);
      },
      5_000,
    );

    contractCase('timeout', async (target) => {
      peer.behave('hang');
      const started = Date.now();
      const error = await deliveryFailure(
        target.send(batchOf(makeRecords(2, 'hang-')), recordingContext().context),
      );
      const elapsed = Date.now() - started;
      expect(error.retryable).toBe(true);
      expect(error.code).toBe('timeout');
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    });

    contractCase(
      'clean close',
      async (target) => {
        const timersBefore = activeTimers();
        await target.send(batchOf(makeRecords(3, 'close-')), recordingContext().context);
        expect(peer.openConnections()).toBeGreaterThan(0);
        await target.close();
        const until = Date.now() + 2_000;
        while (peer.openConnections() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
        expect(peer.openConnections()).toBe(0);
        expect(activeTimers()).toBeLessThanOrEqual(timersBefore);
      },
      5_000,
    );

    contractCase(
      'close fails pending sends',
      async (target) => {
        peer.behave('hang');
        const pending = deliveryFailure(
          target.send(batchOf(makeRecords(2, 'pending-')), recordingContext().context),
        );
        await new Promise((r) => setTimeout(r, 100));
        const started = Date.now();
        await target.close();
        const error = await pending;
        expect(error.retryable).toBe(true);
        expect(Date.now() - started).toBeLessThan(SLACK_MS);
      },
      10_000,
    );
  });
}
