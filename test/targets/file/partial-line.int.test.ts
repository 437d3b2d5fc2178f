// A crash mid-append leaves half a line: the next append drops it (and says so), so every line of the file parses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fileTargetSchema } from '../../../src/targets/file/config.js';
import { repairPartialLastLine } from '../../../src/targets/file/partial-line.js';
import { buildFileTarget } from '../../../src/targets/file/target.js';
import type { EncodedRecord } from '../../../src/record-batch.js';
import type { SendContext, Target } from '../../../src/targets/types.js';
import { createLogger } from '../../../src/telemetry/logger.js';

const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./append-child.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'ssf-file-torn-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LogLine {
  level: string;
  message: string;
  path?: string;
  bytesDropped?: number;
}

/** A file target on `path` whose log lines the test reads back. */
function fileTarget(path: string): { target: Target; logs: () => LogLine[] } {
  const stream = new PassThrough();
  let captured = '';
  stream.on('data', (chunk: Buffer) => (captured += chunk.toString('utf8')));
  const logger = createLogger({ level: 'debug', format: 'json', stream });
  const target = buildFileTarget(fileTargetSchema.parse({ name: 'archive', type: 'file', path }), {
    logger,
  });
  const logs = () =>
    captured
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);
  return { target, logs };
}

function record(id: string): EncodedRecord {
  return {
    id,
    time: '2026-11-26T10:00:00.000Z',
    kind: 'finding',
    severity: 'high',
    format: 'json',
    body: JSON.stringify({ record_id: id }),
  };
}

const context: SendContext = {
  signal: new AbortController().signal,
  logger: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }),
  checkpoint: async () => undefined,
  reject: async () => undefined,
};

async function append(target: Target, ids: string[]): Promise<void> {
  await target.send({ deliveryId: 'd-test', transportId: 't-test', records: ids.map(record) }, context);
}

/** Every line of the file, parsed; throws on the first line that is not JSON, naming it. */
function parsedLines(path: string): Array<{ record_id: string }> {
  const text = readFileSync(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line, index) => {
      try {
        return JSON.parse(line) as { record_id: string };
      } catch {
        throw new Error(`line ${index + 1} of ${path} is not JSON: ${line.slice(0, 80)}…`);
      }
    });
}

function startChild(path: string, name: string, batches: number, perBatch: number, bodyBytes: number) {
  const child = spawn(
    process.execPath,
    ['--import', TSX, CHILD, path, name, String(batches), String(perBatch), String(bodyBytes)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Starts a child that appends one very large batch and SIGKILLs it as soon as the file starts to grow. Answers
 * whether the kill left a partial last line (the write may, rarely, finish between two looks at the file).
 */
async function killMidAppend(path: string, attempt: number): Promise<boolean> {
  const before = sizeOf(path);
  // 24 records of 4 MiB: a 96 MiB append, written in many chunks, takes far longer than a look at the file.
  const proc = startChild(path, `killed${attempt}`, 1, 24, 4 * 1024 * 1024);
  const until = Date.now() + 60_000;
  while (sizeOf(path) <= before) {
    if (proc.child.exitCode !== null) throw new Error(`the child exited before writing:\n${proc.output()}`);
    if (Date.now() > until) throw new Error(`the child did not start writing within 60 s:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  proc.child.kill('SIGKILL');
  await proc.exited;
  const text = readFileSync(path);
  return text.length > 0 && text[text.length - 1] !== 0x0a;
}

describe('file target after a crash mid-append', () => {
  it('drops a partial last line before appending, logs the bytes dropped, and puts new records on their own lines', async () => {
    const path = join(dir, 'partial.ndjson');
    const partial = '{"record_id":"torn","padd';
    writeFileSync(path, `{"record_id":"kept"}\n${partial}`);
    const { target, logs } = fileTarget(path);
    await append(target, ['new-1', 'new-2']);
    await target.close();
    expect(readFileSync(path, 'utf8')).toBe(
      '{"record_id":"kept"}\n{"record_id":"new-1"}\n{"record_id":"new-2"}\n',
    );
    const warnings = logs().filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ path, bytesDropped: Buffer.byteLength(partial) });
  });

  it('drops a file that holds nothing but a partial line', async () => {
    const path = join(dir, 'only-partial.ndjson');
    writeFileSync(path, '{"record_id":"to');
    const { target, logs } = fileTarget(path);
    await append(target, ['new-1']);
    await target.close();
    expect(readFileSync(path, 'utf8')).toBe('{"record_id":"new-1"}\n');
    expect(logs().filter((line) => line.level === 'warn')[0]).toMatchObject({ bytesDropped: 16 });
  });

  it('leaves a file that ends in a whole line alone, and logs nothing', async () => {
    const path = join(dir, 'whole.ndjson');
    writeFileSync(path, '{"record_id":"kept"}\n');
    const { target, logs } = fileTarget(path);
    await append(target, ['new-1']);
    await target.close();
    expect(readFileSync(path, 'utf8')).toBe('{"record_id":"kept"}\n{"record_id":"new-1"}\n');
    expect(logs().filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('on a file that refuses truncation (append-only), ends the partial line with a line feed instead', async () => {
    const path = join(dir, 'append-only.ndjson');
    writeFileSync(path, '{"record_id":"kept"}\n{"record_id":"torn');
    const handle = await open(path, 'a+');
    // ftruncate(2) on a chattr +a file fails with EPERM; only root could set that attribute here.
    const appendOnly = new Proxy(handle, {
      get(target, property) {
        if (property === 'truncate') {
          return async () => {
            throw Object.assign(new Error('EPERM: operation not permitted, ftruncate'), { code: 'EPERM' });
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      expect(await repairPartialLastLine(appendOnly)).toEqual({ bytes: 18, how: 'terminated' });
    } finally {
      await handle.close();
    }
    expect(readFileSync(path, 'utf8')).toBe('{"record_id":"kept"}\n{"record_id":"torn\n');
  });

  it('after kill -9 during a large append, the next append leaves only whole JSON lines', async () => {
    const path = join(dir, 'killed.ndjson');
    writeFileSync(path, '{"record_id":"before-crash"}\n');
    let torn = false;
    for (let attempt = 1; attempt <= 5 && !torn; attempt += 1) torn = await killMidAppend(path, attempt);
    expect(torn, 'no SIGKILL in 5 tries landed while the child was writing').toBe(true);
    const tornSize = sizeOf(path);

    const { target, logs } = fileTarget(path);
    await append(target, ['after-crash-1', 'after-crash-2']);
    await target.close();

    const lines = parsedLines(path);
    expect(lines[0]?.record_id).toBe('before-crash');
    expect(lines.slice(-2).map((line) => line.record_id)).toEqual(['after-crash-1', 'after-crash-2']);
    const warning = logs().find((line) => line.level === 'warn');
    expect(warning?.bytesDropped).toBeGreaterThan(0);
    // What was dropped plus what is left of the crashed append adds up to what the crash left behind.
    const appended = Buffer.byteLength('{"record_id":"after-crash-1"}\n{"record_id":"after-crash-2"}\n');
    expect(sizeOf(path) - appended + (warning?.bytesDropped ?? 0)).toBe(tornSize);
  }, 180_000);

  it('two processes appending to the same path at once never interleave or lose lines', async () => {
    const path = join(dir, 'two-writers.ndjson');
    // Records larger than one write chunk (512 KiB), so one append is several write(2) calls.
    const batches = 8;
    const perBatch = 3;
    const writers = ['left', 'right'].map((name) => startChild(path, name, batches, perBatch, 700 * 1024));
    const codes = await Promise.all(
      writers.map(async (writer) => {
        const timer = setTimeout(() => writer.child.kill('SIGKILL'), 120_000);
        const code = await writer.exited;
        clearTimeout(timer);
        return code;
      }),
    );
    expect(codes, writers.map((writer) => writer.output()).join('\n')).toEqual([0, 0]);
    const ids = parsedLines(path).map((line) => line.record_id);
    expect(ids).toHaveLength(2 * batches * perBatch);
    expect(new Set(ids).size).toBe(ids.length);
  }, 180_000);
});
