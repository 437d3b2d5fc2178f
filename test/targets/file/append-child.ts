// A separate process that appends batches through the file target, so that tests can SIGKILL it mid-write or race two.
import { PassThrough } from 'node:stream';
import { fileTargetSchema } from '../../../src/targets/file/config.js';
import { buildFileTarget } from '../../../src/targets/file/target.js';
import type { EncodedRecord } from '../../../src/record-batch.js';
import type { SendContext } from '../../../src/targets/types.js';
import { createLogger } from '../../../src/telemetry/logger.js';

// node --import tsx append-child.ts PATH NAME BATCHES RECORDS_PER_BATCH BODY_BYTES; prints a line per batch appended.
const [path = '', name = 'child', batches = '1', perBatch = '1', bodyBytes = '100'] = process.argv.slice(2);
const logger = createLogger({ level: 'error', format: 'json', stream: new PassThrough() });
const target = buildFileTarget(fileTargetSchema.parse({ name: 'file', type: 'file', path }), { logger });
const context: SendContext = {
  signal: new AbortController().signal,
  logger,
  checkpoint: async () => undefined,
  reject: async () => undefined,
};
const padding = 'x'.repeat(Number(bodyBytes));

for (let batch = 0; batch < Number(batches); batch += 1) {
  const records: EncodedRecord[] = [];
  for (let i = 0; i < Number(perBatch); i += 1) {
    const id = `${name}-${batch}-${i}`;
    records.push({
      id,
      time: '2026-11-26T10:00:00.000Z',
      kind: 'finding',
      severity: 'high',
      format: 'json',
      body: JSON.stringify({ record_id: id, padding }),
    });
  }
  await target.send({ deliveryId: `d-${name}-${batch}`, transportId: name, records }, context);
  process.stdout.write(`appended ${batch}\n`);
}
await target.close();
process.stdout.write('done\n');
