// Console output and process warnings become log lines (source "console" / "process"), rate-limited, until restored.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  captureConsole,
  CONSOLE_LINE_CHARS,
  type ConsoleCapture,
} from '../../src/telemetry/console-capture.js';
import { capturedLog } from '../helpers/captured-log.js';

/** Lets the log stream deliver what was written, and a process warning be emitted (it waits for the next tick). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A console of its own, which records what reaches it unchanged. */
function fakeConsole() {
  const reached: Array<[string, unknown[]]> = [];
  const record =
    (method: string) =>
    (...args: unknown[]) =>
      reached.push([method, args]);
  const fake = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    log: record('log'),
    debug: record('debug'),
  } as unknown as Console;
  return { fake, reached };
}

const captures: ConsoleCapture[] = [];
afterEach(() => {
  for (const capture of captures.splice(0)) capture.restore();
});

function capture(...args: Parameters<typeof captureConsole>): ConsoleCapture {
  const captured = captureConsole(...args);
  captures.push(captured);
  return captured;
}

describe('captureConsole', () => {
  it('logs each console method at its level with source "console", the arguments formatted as the console would', async () => {
    const out = capturedLog();
    const { fake, reached } = fakeConsole();
    capture(out.logger, { console: fake });
    fake.warn('IMPORTANT! Eviction policy is %s. It should be "noeviction"', 'allkeys-lru');
    fake.error('BullMQ: Your redis options maxRetriesPerRequest must be null.');
    fake.log('plain', { a: 1 });
    fake.info('info line');
    fake.debug('debug line');
    await settle();
    expect(reached).toEqual([]);
    expect(
      out.lines().map(({ level, message, source, method }) => ({ level, message, source, method })),
    ).toEqual([
      {
        level: 'warn',
        message: 'IMPORTANT! Eviction policy is allkeys-lru. It should be "noeviction"',
        source: 'console',
        method: 'warn',
      },
      {
        level: 'error',
        message: 'BullMQ: Your redis options maxRetriesPerRequest must be null.',
        source: 'console',
        method: 'error',
      },
      { level: 'info', message: 'plain { a: 1 }', source: 'console', method: 'log' },
      { level: 'info', message: 'info line', source: 'console', method: 'info' },
      { level: 'debug', message: 'debug line', source: 'console', method: 'debug' },
    ]);
  });

  it('keeps an error printed with its stack on one JSON line', async () => {
    const out = capturedLog();
    const { fake } = fakeConsole();
    capture(out.logger, { console: fake });
    fake.error('[ioredis] Unhandled error event:', new Error('connect ECONNREFUSED 127.0.0.1:6390').stack);
    await settle();
    const [line] = out.lines();
    expect(line?.message).toMatch(
      /^\[ioredis\] Unhandled error event: Error: connect ECONNREFUSED 127\.0\.0\.1:6390\n\s+at /,
    );
  });

  it('cuts a line past its length limit', async () => {
    const out = capturedLog();
    const { fake } = fakeConsole();
    capture(out.logger, { console: fake });
    fake.log('x'.repeat(CONSOLE_LINE_CHARS * 3));
    await settle();
    expect(out.lines()[0]?.message).toBe(`${'x'.repeat(CONSOLE_LINE_CHARS)}...`);
  });

  it('writes 20 lines a minute, then one summary with the count per method when restored', async () => {
    const out = capturedLog();
    const { fake } = fakeConsole();
    const captured = capture(out.logger, { console: fake });
    for (let i = 0; i < 23; i += 1) fake.warn(`warning ${i}`);
    for (let i = 0; i < 2; i += 1) fake.error(`error ${i}`);
    captured.restore();
    await settle();
    const lines = out.lines();
    expect(lines.filter((line) => line.source === 'console')).toHaveLength(20);
    expect(lines.at(-1)).toMatchObject({
      level: 'warn',
      message: 'Console output not logged line by line: 5 past the limit of 20 per minute.',
      suppressed: 5,
      byMethod: { warn: 3, error: 2 },
    });
  });

  it('puts every method back when restored, and no longer logs', async () => {
    const out = capturedLog();
    const { fake, reached } = fakeConsole();
    const before = { ...fake };
    const captured = capture(out.logger, { console: fake });
    expect(fake.warn).not.toBe(before.warn);
    captured.restore();
    for (const method of ['error', 'warn', 'info', 'log', 'debug'] as const)
      expect(fake[method]).toBe(before[method]);
    fake.warn('after');
    await settle();
    expect(reached).toEqual([['warn', ['after']]]);
    expect(out.lines()).toEqual([]);
  });

  it('logs a real process warning at warn with source "process", and stops listening when restored', async () => {
    const out = capturedLog();
    const listeners = process.listenerCount('warning');
    const captured = capture(out.logger, { console: fakeConsole().fake });
    expect(process.listenerCount('warning')).toBe(listeners + 1);
    // A real MaxListenersExceededWarning (https://nodejs.org/api/events.html#eventsdefaultmaxlisteners).
    const emitter = new EventEmitter();
    emitter.setMaxListeners(1);
    emitter.on('event', () => undefined);
    emitter.on('event', () => undefined);
    await settle();
    captured.restore();
    expect(process.listenerCount('warning')).toBe(listeners);
    await settle();
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'warn',
      source: 'process',
      warning: 'MaxListenersExceededWarning',
    });
    expect(String(lines[0]?.message)).toContain('Possible EventEmitter memory leak detected');
  });

  it("skips Node's own print of a warning it logged, which Node makes with console.error in the same emit", async () => {
    const out = capturedLog();
    const { fake, reached } = fakeConsole();
    const proc = Object.assign(new EventEmitter(), { pid: 4242, release: { name: 'node' } });
    // As Node's listener does (lib/internal/process/warning.js, onWarning): registered first, prints with console.error.
    proc.on('warning', (warning: Error) => fake.error(`(node:4242) ${warning.name}: ${warning.message}`));
    capture(out.logger, { console: fake, process: proc });
    proc.emit(
      'warning',
      Object.assign(new Error('Possible EventEmitter memory leak detected.'), {
        name: 'MaxListenersExceededWarning',
      }),
    );
    await settle();
    expect(reached).toEqual([]);
    expect(out.lines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'Possible EventEmitter memory leak detected.',
        source: 'process',
        warning: 'MaxListenersExceededWarning',
      }),
    ]);
  });

  it('does not swallow a console.error that only looks like a warning print when no warning is being emitted', async () => {
    const out = capturedLog();
    const { fake } = fakeConsole();
    const proc = Object.assign(new EventEmitter(), { pid: 4242, release: { name: 'node' } });
    capture(out.logger, { console: fake, process: proc });
    fake.error('(node:4242) printed by someone else');
    await settle();
    expect(out.lines().map((line) => line.message)).toEqual(['(node:4242) printed by someone else']);
  });
});
