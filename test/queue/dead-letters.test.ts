// A dead letter's reason: the structured one from its data, or, for an older letter, its failedReason line read back.
import { describe, expect, it } from 'vitest';
import { reasonOf } from '../../src/queue/dead-letters.js';
import type { DeadLetterReason, TargetJobData } from '../../src/queue/jobs.js';

const finishedOn = Date.parse('2024-05-01T10:00:00.000Z');

function job(failedReason: string | undefined, deadLetter?: DeadLetterReason) {
  const data: TargetJobData = {
    target: 'siem',
    deliveryId: 'd-1',
    transportId: 't-1',
    deliveredCount: 0,
    records: [],
    ...(deadLetter ? { deadLetter } : {}),
  };
  return {
    data,
    failedReason: failedReason as string,
    attemptsMade: 3,
    finishedOn,
    timestamp: finishedOn - 1000,
  };
}

describe('reasonOf', () => {
  it('returns the reason stored in the job data', () => {
    const stored: DeadLetterReason = {
      code: 'tls_error',
      message: 'certificate has expired',
      attempts: 7,
      firstFailedAt: '2024-04-30T10:00:00.000Z',
      lastFailedAt: '2024-05-01T10:00:00.000Z',
      limit: 'age',
    };
    expect(reasonOf(job('network_error: something else', stored))).toEqual(stored);
  });

  it('reads a `code: message` failedReason of a letter without one, with the time it failed', () => {
    expect(reasonOf(job('http_permanent_status: HTTP 403: forbidden'))).toEqual({
      code: 'http_permanent_status',
      message: 'HTTP 403: forbidden',
      attempts: 3,
      firstFailedAt: '2024-05-01T10:00:00.000Z',
      lastFailedAt: '2024-05-01T10:00:00.000Z',
    });
  });

  it("maps BullMQ's stall line to job_stalled, and any other line to internal_error, keeping the line", () => {
    expect(reasonOf(job('job stalled more than allowable limit'))).toMatchObject({
      code: 'job_stalled',
      message: 'job stalled more than allowable limit',
    });
    expect(reasonOf(job('retry age exceeded: still failing after 604800 s'))).toMatchObject({
      code: 'internal_error',
      message: 'retry age exceeded: still failing after 604800 s',
    });
    expect(reasonOf(job('no_such_code: text'))).toMatchObject({
      code: 'internal_error',
      message: 'no_such_code: text',
    });
    expect(reasonOf(job(undefined))).toMatchObject({ code: 'internal_error', message: '' });
  });
});
