// The file target: appends each record as one line and fsyncs before the target job completes, jobs in flight together.
import { open, type FileHandle } from 'node:fs/promises';
import type { FileTargetConfig } from './config.js';
import type { TargetDeps } from '../types.js';
import type { RecordBatch } from '../../record-batch.js';
import type { Target } from '../types.js';
import { SendError } from '../../errors.js';
import { frameLines } from './frame.js';
import { classifyFileError } from './classify.js';
import { prepareOutputPath } from './output-path.js';
import { lockForAppend } from './append-lock.js';
import { repairPartialLastLine } from './partial-line.js';

/** How long one process keeps the output file locked while jobs keep arriving, before other writers get a turn. */
export const HOLD_MS = 1000;
/** How long the file stays open and locked after its last write, for the next job's records. */
export const IDLE_MS = 50;

export function buildFileTarget(config: FileTargetConfig, deps: TargetDeps): Target {
  // Refuses a directory, a device, a FIFO, /proc or an unwritable directory now, in bounded time, and creates the
  // missing directories: start and validate report a bad path instead of failing (or spinning) later.
  const path = prepareOutputPath(config.path);
  const logger = deps.logger.child({ target: config.name });
  // Group commit: one write at a time (concurrent jobs must not interleave partial lines), and each write takes every
  // batch that arrived while the previous one ran, so that write and fsync are paid once per group instead of once per
  // job. The file stays open and locked while groups keep coming (closed after IDLE_MS without one, and at the latest
  // after HOLD_MS so that other writer processes get their turn): open, flock(1) (a process spawn, the costliest step)
  // and close are paid about once per busy second. A job still completes only after the fsync that covers its records.
  const waiting: Array<{ batch: RecordBatch; settle: (error?: unknown) => void }> = [];
  let draining: Promise<void> | undefined;
  let session: { handle: FileHandle; until: number } | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let warnedUnlocked = false;

  function settle(group: typeof waiting, error?: unknown): void {
    const failure =
      error === undefined || error instanceof SendError ? error : classifyFileError(error, path);
    for (const entry of group) entry.settle(failure);
  }

  async function closeSession(): Promise<void> {
    const closing = session;
    session = undefined;
    // Closing the handle also releases the lock. The records it holds are already synced.
    await closing?.handle.close().catch((error: unknown) => {
      logger.warn('Closing the output file failed.', { path, error: (error as Error).message });
    });
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      if (session !== undefined && Date.now() >= session.until) await closeSession();
      if (session === undefined) {
        try {
          session = { handle: await openLocked(), until: Date.now() + HOLD_MS };
        } catch (error) {
          settle(waiting.splice(0), error);
          continue;
        }
      }
      const group = waiting.splice(0);
      try {
        await session.handle.writeFile(frameLines(group.flatMap((entry) => entry.batch.records)), 'utf8');
        await session.handle.sync();
      } catch (error) {
        // A write that failed half-way leaves a partial line: the next session's repair removes it.
        settle(group, error);
        await closeSession();
        continue;
      }
      settle(group);
    }
    draining = undefined;
    if (session !== undefined) {
      idleTimer = setTimeout(() => {
        if (draining === undefined) void closeSession();
      }, IDLE_MS);
      idleTimer.unref();
    }
  }

  /** The output file, open for appending, locked against other writer processes, its last line whole. */
  async function openLocked(): Promise<FileHandle> {
    // Read and append: the repair reads the end of the file; O_APPEND still puts every write at the end.
    const handle = await open(path, 'a+', 0o640);
    try {
      // Other processes with this path (more `--role worker` processes) wait here, so the repair below can never
      // cut off a line that one of them is still writing.
      if ((await lockForAppend(handle, path)) === 'unsupported' && !warnedUnlocked) {
        warnedUnlocked = true;
        logger.warn(
          'flock(1) is not installed: appends to this file are serialised in this process only; give its path a single writer process.',
          { path },
        );
      }
      const repair = await repairPartialLastLine(handle);
      if (repair) {
        logger.warn(
          repair.how === 'truncated'
            ? 'Dropped a partial last line left by an append that did not finish (a crash mid-write, a full disk); its target job writes those records again.'
            : 'The file ends in a partial line left by an append that did not finish, and refuses truncation (append-only); ended it with a line feed, so it stays as one unparseable line.',
          { path, bytesDropped: repair.how === 'truncated' ? repair.bytes : 0, partialBytes: repair.bytes },
        );
      }
      return handle;
    } catch (error) {
      // The error that matters is the one thrown; a failed close of a file never written to adds nothing.
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  return {
    name: config.name,
    type: 'file',
    async send(batch) {
      if (batch.records.length === 0) return;
      await new Promise<void>((resolve, reject) => {
        waiting.push({ batch, settle: (error) => (error === undefined ? resolve() : reject(error)) });
        clearTimeout(idleTimer);
        draining ??= drain();
      });
    },
    async close() {
      await draining;
      clearTimeout(idleTimer);
      await closeSession();
    },
  };
}
