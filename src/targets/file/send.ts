// The file target: appends each record as one line and fsyncs before the delivery job completes.
import { open } from 'node:fs/promises';
import type { FileTargetConfig } from './config.js';
import type { TargetDeps } from '../registry.js';
import type { DeliveryBatch, Target } from '../types.js';
import { encodeLines } from './encode.js';
import { classifyFileError } from './classify.js';
import { prepareOutputPath } from './output-path.js';

export function buildFileTarget(config: FileTargetConfig, _deps: TargetDeps): Target {
  // Refuses a directory, a device, a FIFO, /proc or an unwritable directory now, in bounded time, and creates the
  // missing directories: start and validate report a bad path instead of failing (or spinning) later.
  const path = prepareOutputPath(config.path);
  // One append per batch at a time: concurrent jobs must not interleave partial lines.
  let queue: Promise<unknown> = Promise.resolve();

  async function append(batch: DeliveryBatch): Promise<void> {
    const handle = await open(path, 'a', 0o640);
    try {
      await handle.writeFile(encodeLines(batch.records), 'utf8');
      await handle.sync();
    } finally {
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
        throw classifyFileError(error, path);
      }
    },
    async close() {
      await queue;
    },
  };
}
