// The rejection log's rate limiter on an injected clock: N lines per minute, then one summary with the exact count.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReceiverError } from '../../src/receiver/http-errors.js';
import { createRejectLog, sanitizeField, type RejectedRequest } from '../../src/receiver/reject-log.js';
import { createLogger } from '../../src/telemetry/logger.js';
import { RateLimitedLog, type SuppressedSummary } from '../../src/telemetry/rate-limited-log.js';

/** A clock and a timer queue the test moves by hand. */
function fakeTime(start = 1_700_000_000_000) {
  let now = start;
  const timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];
  return {
    now: () => now,
    schedule(run: () => void, delayMs: number) {
      const timer = { at: now + delayMs, run, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    /** Moves the clock and runs the timers that came due, like the event loop would. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
        timer.cancelled = true;
        timer.run();
      }
    },
    timers,
  };
}

function limiter(limit: number, time = fakeTime()) {
  const written: string[] = [];
  const summaries: SuppressedSummary[] = [];
  const events: string[] = [];
  const log = new RateLimitedLog<string>({
    limit,
    windowMs: 60_000,
    key: (entry) => entry.split(':')[0] as string,
    write: (entry) => {
      written.push(entry);
      events.push(`write ${entry}`);
    },
    summarize: (summary) => {
      summaries.push(summary);
      events.push(`summary ${summary.suppressed}`);
    },
    now: time.now,
    schedule: time.schedule,
  });
  return { log, written, summaries, events, time };
}

describe('RateLimitedLog', () => {
  it('writes the first N entries of a window and sums up the rest in one line when the window ends', () => {
    const { log, written, summaries, time } = limiter(20);
    for (let i = 0; i < 500; i += 1) {
      log.offer(`${i % 5 === 0 ? 'invalid_signature' : 'missing_signature'}:${i}`);
      time.advance(10);
    }
    expect(written).toHaveLength(20);
    expect(summaries).toHaveLength(0);
    time.advance(60_000);
    expect(summaries).toEqual([
      {
        suppressed: 480,
        byKey: { invalid_signature: 96, missing_signature: 384 },
        since: 1_700_000_000_000,
        until: 1_700_000_060_000,
      },
    ]);
  });

  it('schedules one timer per window, for the end of the window', () => {
    const { log, time } = limiter(1);
    log.offer('a:1');
    expect(time.timers).toHaveLength(0);
    time.advance(1_000);
    log.offer('a:2');
    log.offer('a:3');
    expect(time.timers.map((t) => t.at)).toEqual([time.now() + 59_000]);
  });

  it('sums up an ended window before the next entry when its timer has not run yet', () => {
    const { log, events, time } = limiter(1);
    log.offer('a:1');
    log.offer('a:2');
    log.offer('a:3');
    // The clock passes the window's end while the event loop is busy: the timer has not fired.
    const due = time.timers[0];
    if (due) due.at = Number.POSITIVE_INFINITY;
    time.advance(61_000);
    log.offer('b:4');
    expect(events).toEqual(['write a:1', 'summary 2', 'write b:4']);
    expect(time.timers[0]?.cancelled).toBe(true);
  });

  it('writes the summary at shutdown (flush), with the flush time as its end, and cancels the timer', () => {
    const { log, summaries, time } = limiter(2);
    for (let i = 0; i < 7; i += 1) log.offer(`a:${i}`);
    time.advance(5_000);
    log.flush();
    expect(summaries).toEqual([
      { suppressed: 5, byKey: { a: 5 }, since: 1_700_000_000_000, until: 1_700_000_005_000 },
    ]);
    expect(time.timers.every((t) => t.cancelled)).toBe(true);
    time.advance(120_000);
    expect(summaries).toHaveLength(1);
  });

  it('writes no summary when nothing was suppressed', () => {
    const { log, summaries, time } = limiter(5);
    for (let i = 0; i < 5; i += 1) log.offer(`a:${i}`);
    time.advance(120_000);
    log.flush();
    expect(summaries).toHaveLength(0);
  });

  it('with a limit of 0 writes only summaries', () => {
    const { log, written, summaries, time } = limiter(0);
    for (let i = 0; i < 3; i += 1) log.offer(`a:${i}`);
    time.advance(60_000);
    expect(written).toHaveLength(0);
    expect(summaries.map((s) => s.suppressed)).toEqual([3]);
  });

  it('starts a fresh window, with a fresh limit, after a summary', () => {
    const { log, written, summaries, time } = limiter(2);
    for (let i = 0; i < 4; i += 1) log.offer(`a:${i}`);
    time.advance(60_000);
    for (let i = 4; i < 8; i += 1) log.offer(`a:${i}`);
    time.advance(60_000);
    expect(written).toEqual(['a:0', 'a:1', 'a:4', 'a:5']);
    expect(summaries.map((s) => s.suppressed)).toEqual([2, 2]);
  });
});

function request(headers: Record<string, string>, remoteAddress = '203.0.113.7'): RejectedRequest {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower[name.toLowerCase()] ?? '', req: { socket: { remoteAddress } } };
}

function captured() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  return {
    logger,
    lines: async () => {
      await new Promise((r) => setImmediate(r));
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

describe('the receiver rejection log', () => {
  it('logs the code, status, remote address, event and transport id, and no signature', async () => {
    const out = captured();
    const time = fakeTime();
    const rejects = createRejectLog(out.logger, 20, time);
    rejects.record(
      request({
        'X-Snyk-Event': 'project_snapshot/v0',
        'X-Snyk-Transport-ID': 'tid-1',
        'X-Hub-Signature': `sha256=${'ab'.repeat(32)}`,
      }),
      new ReceiverError('invalid_signature'),
    );
    const lines = await out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      message: 'Webhook rejected.',
      code: 'invalid_signature',
      status: 401,
      remoteAddress: '203.0.113.7',
      event: 'project_snapshot/v0',
      transportId: 'tid-1',
    });
    expect(JSON.stringify(lines)).not.toContain('abab');
  });

  it('logs 400, 401, 413, 415 and 503 answers, and not 404, 405 or 500', async () => {
    const out = captured();
    const rejects = createRejectLog(out.logger, 100, fakeTime());
    const codes = [
      'missing_signature',
      'invalid_signature',
      'missing_event',
      'invalid_json',
      'body_too_large',
      'body_read_failed',
      'unsupported_encoding',
      'queue_unavailable',
      'not_found',
      'method_not_allowed',
      'internal_error',
    ] as const;
    for (const code of codes) rejects.record(request({}), new ReceiverError(code));
    const logged = (await out.lines()).map((line) => line.code);
    expect(logged).toEqual(codes.slice(0, 8));
  });

  it('writes the summary with the count per code when the minute ends', async () => {
    const out = captured();
    const time = fakeTime();
    const rejects = createRejectLog(out.logger, 2, time);
    for (let i = 0; i < 5; i += 1) rejects.record(request({}), new ReceiverError('missing_signature'));
    rejects.record(request({}), new ReceiverError('body_too_large'));
    time.advance(60_000);
    const lines = await out.lines();
    expect(lines.filter((line) => line.message === 'Webhook rejected.')).toHaveLength(2);
    expect(lines[2]).toMatchObject({
      level: 'warn',
      suppressed: 4,
      byCode: { missing_signature: 3, body_too_large: 1 },
      since: new Date(1_700_000_000_000).toISOString(),
      until: new Date(1_700_000_060_000).toISOString(),
    });
    expect(String(lines[2]?.message)).toContain('4 past the limit of 2 per minute');
  });

  it('keeps the reason behind a 503 for the log', async () => {
    const out = captured();
    const rejects = createRejectLog(out.logger, 20, fakeTime());
    rejects.record(request({}), new ReceiverError('queue_unavailable', {}, 'Connection is closed.'));
    expect((await out.lines())[0]).toMatchObject({
      code: 'queue_unavailable',
      detail: 'Connection is closed.',
    });
  });
});

describe('sanitizeField', () => {
  it('keeps printable ASCII as it is', () => {
    expect(sanitizeField('project_snapshot/v0', 64)).toBe('project_snapshot/v0');
  });

  it('replaces control characters, obs-text and other non-ASCII characters with "?"', () => {
    expect(sanitizeField('a\tb\u001b[31mc\u00ffd\u202ee\n', 64)).toBe('a?b?[31mc?d?e?');
  });

  it('cuts long values and says so', () => {
    const value = sanitizeField('x'.repeat(10_000), 64);
    expect(value).toBe(`${'x'.repeat(64)}...`);
  });

  it('treats an empty header as absent', () => {
    expect(sanitizeField('', 64)).toBeUndefined();
    expect(sanitizeField(undefined, 64)).toBeUndefined();
  });
});
