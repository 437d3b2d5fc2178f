// A logger whose JSON lines a test can read back.
import { PassThrough } from 'node:stream';
import type { Logger } from 'winston';
import { createLogger } from '../../src/telemetry/logger.js';

export interface CapturedLog {
  logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Array<Record<string, unknown>>;
}

export function capturedLog(level = 'debug'): CapturedLog {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return {
    logger: createLogger({ level, format: 'json', stream }),
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
