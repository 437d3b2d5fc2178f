// `dlq purge` and `dlq replay` touch only what was named (IDs, one queue, or --all), ask first, and can dry-run.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDlq, type DlqIo } from '../../src/cli/dlq.js';
import { UsageError } from '../../src/cli/args.js';
import type { DeadLetterReason, TargetJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { startTestRedis, type TestRedis } from '../helpers/redis-server.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-dlq-sel-'));
const configFile = join(dir, 'forwarder.yaml');
let redis: TestRedis;
let connection: ConnectionOptions;
let prefix: string;

/** A fake terminal: collects output and answers every question with `answer` (or refuses to be asked). */
function io(options: { interactive: boolean; answer?: string }): DlqIo & {
  out(): string;
  err(): string;
  questions: string[];
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const questions: string[] = [];
  return {
    stdout,
    stderr,
    interactive: options.interactive,
    questions,
    async ask(question: string) {
      questions.push(question);
      if (options.answer === undefined) throw new Error('asked a question that nobody can answer');
      return options.answer;
    },
    out: () => out,
    err: () => err,
  };
}

/** Puts jobs with these ids into a queue's failed set, the way a permanently refused delivery lands there. */
async function deadLetters(queueName: string, ids: readonly string[]): Promise<void> {
  const queue = new Queue(queueName, { connection, prefix });
  const worker = new Worker(
    queueName,
    async () => {
      throw new Error('record_rejected: refused by the test peer');
    },
    { connection, prefix },
  );
  try {
    for (const id of ids) {
      await queue.add('records', targetJobData(id, queueName), { jobId: id, attempts: 1 });
    }
    await waitFor(
      async () => (await queue.getFailedCount()) >= ids.length,
      20_000,
      `${ids.length} dead letter(s) in ${queueName}`,
    );
  } finally {
    await worker.close();
    await queue.close();
  }
}

/** The ids in each queue's failed set, read straight from BullMQ. */
async function failedIds(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [name, queueName] of [
    ['a', targetQueueName('a')],
    ['b', targetQueueName('b')],
    ['ingest', INGEST_QUEUE],
  ] as const) {
    const queue = new Queue(queueName, { connection, prefix });
    out[name] = (await queue.getFailed(0, -1)).map((job) => job.id ?? '').sort();
    await queue.close();
  }
  return out;
}

beforeAll(async () => {
  redis = await startTestRedis();
  connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
});

beforeEach(async () => {
  // A fresh prefix per test: every test starts with the same dead letters and nothing else.
  prefix = `sel${randomUUID().slice(0, 8)}`;
  writeFileSync(
    configFile,
    [
      `dataDir: ${dir}`,
      `redis: { url: "${redis.url}", prefix: "${prefix}" }`,
      'targets:',
      `  - { name: a, type: file, path: ${join(dir, 'a.ndjson')} }`,
      `  - { name: b, type: file, path: ${join(dir, 'b.ndjson')} }`,
    ].join('\n'),
  );
  await deadLetters(targetQueueName('a'), ['a-1', 'a-2', 'a-3']);
  await deadLetters(targetQueueName('b'), ['b-1']);
  await deadLetters(INGEST_QUEUE, ['i-1']);
});

afterEach(() => {
  rmSync(configFile, { force: true });
});

afterAll(async () => {
  await redis?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const ALL = { a: ['a-1', 'a-2', 'a-3'], b: ['b-1'], ingest: ['i-1'] };

describe('dlq purge', () => {
  it('purges only the dead letters named by ID', async () => {
    const terminal = io({ interactive: true, answer: 'y' });
    const code = await runDlq(['purge', 'a-2', 'b-1', '--config', configFile], terminal);
    expect(code).toBe(0);
    expect(terminal.out()).toContain('purged 2 dead letter(s)');
    expect(await failedIds()).toEqual({ a: ['a-1', 'a-3'], b: [], ingest: ['i-1'] });
  });

  it('purges every dead letter of one queue with --target', async () => {
    const code = await runDlq(
      ['purge', '--target', 'a', '--yes', '--config', configFile],
      io({ interactive: false }),
    );
    expect(code).toBe(0);
    expect(await failedIds()).toEqual({ a: [], b: ['b-1'], ingest: ['i-1'] });
  });

  it('purges everything only with --all', async () => {
    const terminal = io({ interactive: false });
    expect(await runDlq(['purge', '--all', '--yes', '--config', configFile], terminal)).toBe(0);
    expect(terminal.out()).toContain('purged 5 dead letter(s)');
    expect(await failedIds()).toEqual({ a: [], b: [], ingest: [] });
  });

  it('is a usage error without --target, IDs or --all, and deletes nothing', async () => {
    await expect(
      runDlq(['purge', '--yes', '--config', configFile], io({ interactive: false })),
    ).rejects.toThrow(UsageError);
    const child = await runCli(['dlq', 'purge', '--config', configFile], {
      FORWARDER_CONFIG: '',
      REDIS_URL: '',
    });
    expect(child.code).toBe(2);
    expect(child.output).toMatch(/--target.*--all|--all.*--target/);
    expect(await failedIds()).toEqual(ALL);
  });

  it('refuses to run unattended without --yes, naming --yes, and deletes nothing', async () => {
    const child = await runCli(['dlq', 'purge', '--all', '--config', configFile], {
      FORWARDER_CONFIG: '',
      REDIS_URL: '',
    });
    expect(child.code).toBe(2);
    expect(child.output).toContain('--yes');
    expect(await failedIds()).toEqual(ALL);
  });

  it('asks on a terminal, and deletes nothing unless the answer is yes', async () => {
    const terminal = io({ interactive: true, answer: 'n' });
    expect(await runDlq(['purge', '--target', 'a', '--config', configFile], terminal)).toBe(1);
    expect(terminal.questions).toHaveLength(1);
    expect(terminal.questions[0]).toMatch(/3 dead letter\(s\)/);
    expect(await failedIds()).toEqual(ALL);
  });

  it('--dry-run lists what would go and changes nothing', async () => {
    const terminal = io({ interactive: false });
    expect(await runDlq(['purge', '--target', 'a', '--dry-run', '--config', configFile], terminal)).toBe(0);
    expect(terminal.out()).toContain('a-1');
    expect(terminal.out()).toContain('a-3');
    expect(terminal.out()).not.toContain('b-1');
    expect(terminal.out()).toContain('would purge 3 dead letter(s)');
    expect(await failedIds()).toEqual(ALL);
  });

  it('leaves a job that is not in the failed set alone and reports its ID as missing', async () => {
    const queue = new Queue(targetQueueName('a'), { connection, prefix });
    await queue.add('records', { records: [] }, { jobId: 'a-waiting', delay: 3_600_000 });
    const terminal = io({ interactive: false });
    const code = await runDlq(
      ['purge', 'a-waiting', 'a-1', 'nope', '--yes', '--config', configFile],
      terminal,
    );
    expect(code).toBe(1);
    expect(terminal.out()).toContain('purged 1 dead letter(s)');
    expect(terminal.err()).toContain('no dead letter with id a-waiting');
    expect(terminal.err()).toContain('no dead letter with id nope');
    expect(await queue.getJobState('a-waiting')).toBe('delayed');
    await queue.close();
    expect(await failedIds()).toEqual({ ...ALL, a: ['a-2', 'a-3'] });
  });

  it('with --target, purges an ID only when it is in that queue', async () => {
    const terminal = io({ interactive: false });
    const code = await runDlq(['purge', '--target', 'a', 'b-1', '--yes', '--config', configFile], terminal);
    expect(code).toBe(1);
    expect(terminal.err()).toContain('no dead letter with id b-1');
    expect(await failedIds()).toEqual(ALL);
  });
});

describe('dlq replay', () => {
  it('is a usage error without --target, IDs or --all', async () => {
    await expect(
      runDlq(['replay', '--yes', '--config', configFile], io({ interactive: false })),
    ).rejects.toThrow(UsageError);
    expect(await failedIds()).toEqual(ALL);
  });

  it('refuses to run unattended without --yes', async () => {
    const child = await runCli(['dlq', 'replay', '--all', '--config', configFile], {
      FORWARDER_CONFIG: '',
      REDIS_URL: '',
    });
    expect(child.code).toBe(2);
    expect(child.output).toContain('--yes');
    expect(await failedIds()).toEqual(ALL);
  });

  it('--dry-run lists what would be replayed and changes nothing', async () => {
    const terminal = io({ interactive: false });
    expect(await runDlq(['replay', 'a-1', '--dry-run', '--config', configFile], terminal)).toBe(0);
    expect(terminal.out()).toContain('would replay 1 dead letter(s)');
    expect(await failedIds()).toEqual(ALL);
  });

  it('replays only the IDs given, after confirmation', async () => {
    const terminal = io({ interactive: true, answer: 'yes' });
    expect(await runDlq(['replay', 'a-1', '--config', configFile], terminal)).toBe(0);
    expect(terminal.questions).toHaveLength(1);
    expect(terminal.out()).toContain('replayed 1 dead letter(s)');
    const queue = new Queue(targetQueueName('a'), { connection, prefix });
    expect(await queue.getJobState('a-1')).toBe('waiting');
    await queue.close();
    expect(await failedIds()).toEqual({ ...ALL, a: ['a-2', 'a-3'] });
  });
});

describe('dlq list and show', () => {
  interface Listed {
    id: string;
    failedAt: string;
    reason: DeadLetterReason;
  }

  it('give the code of a dead letter stored without a reason, read back from its failedReason', async () => {
    const text = io({ interactive: false });
    expect(await runDlq(['list', '--target', 'b', '--config', configFile], text)).toBe(0);
    expect(text.out()).toMatch(/^b-1\tb\t\S+\t1\t1\trecord_rejected\trefused by the test peer$/m);
    const json = io({ interactive: false });
    expect(await runDlq(['list', '--target', 'b', '--json', '--config', configFile], json)).toBe(0);
    const [letter] = json
      .out()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Listed);
    expect(letter?.reason).toMatchObject({
      code: 'record_rejected',
      message: 'refused by the test peer',
      attempts: 1,
    });
    // Only the last failure's time is known for such a letter.
    expect(letter?.reason.firstFailedAt).toBe(letter?.failedAt);
    expect(letter?.reason.lastFailedAt).toBe(letter?.failedAt);
  });

  it('give the reason stored in the job data, not its failedReason line, and show it once', async () => {
    const reason: DeadLetterReason = {
      code: 'http_permanent_status',
      message: 'http target a answered HTTP 401',
      attempts: 3,
      firstFailedAt: '2024-01-01T00:00:00.000Z',
      lastFailedAt: '2024-01-01T00:05:00.000Z',
    };
    const queue = new Queue<TargetJobData>(targetQueueName('a'), { connection, prefix });
    const job = await queue.getJob('a-1');
    await job?.updateData({ ...job.data, deadLetter: reason });
    await queue.close();

    const text = io({ interactive: false });
    expect(await runDlq(['list', '--target', 'a', '--config', configFile], text)).toBe(0);
    expect(text.out()).toMatch(/^a-1\ta\t.*\thttp_permanent_status\thttp target a answered HTTP 401$/m);
    expect(text.out()).toMatch(/^a-2\ta\t.*\trecord_rejected\trefused by the test peer$/m);

    const shown = io({ interactive: false });
    expect(await runDlq(['show', 'a-1', '--config', configFile], shown)).toBe(0);
    const letter = JSON.parse(shown.out()) as Listed & { data: Partial<TargetJobData> };
    expect(letter.reason).toEqual(reason);
    expect(letter.data.deadLetter).toBeUndefined();
    expect(letter.data.records).toHaveLength(1);
  });
});
