// The file target: appends each record as one line and fsyncs before the target job completes.
import { open } from 'node:fs/promises';
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

export function buildFileTarget(config: FileTargetConfig, deps: TargetDeps): Target {
  // Refuses a directory, a device, a FIFO, /proc or an unwritable directory now, in bounded time, and creates the
  // missing directories: start and validate report a bad path instead of failing (or spinning) later.
  const path = prepareOutputPath(config.path);
  const logger = deps.logger.child({ target: config.name });
  // One append per batch at a time: concurrent jobs must not interleave partial lines.
  let queue: Promise<unknown> = Promise.resolve();
  let warnedUnlocked = false;

  async function append(batch: RecordBatch): Promise<void> {
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
      await handle.writeFile(frameLines(batch.records), 'utf8');
      await handle.sync();
    } finally {
      // Closing the handle also releases the lock.
      await handle.close();
    }
  }

  return {
    name: config.name,
    type: 'file',
    async send(batch) {
      if (batch.records.length === 0) return;
      const run = queue.then(() => append(batch));
      queue = run.catch(() => undefined);
      try {
        await run;
      } catch (error) {
        throw error instanceof SendError ? error : classifyFileError(error, path);
      }
    },
    async close() {
      await queue;
    },
  };
}
