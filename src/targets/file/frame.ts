// Frames records for the file target: one record per line (NDJSON for json and ecs, one CEF/LEEF line otherwise).
import type { EncodedRecord } from '../../record-batch.js';

/** Joins the records into newline-terminated lines; encoders guarantee no record contains a raw LF. */
export function frameLines(records: readonly EncodedRecord[]): string {
  let out = '';
  for (const record of records) out += `${record.body}\n`;
  return out;
}
