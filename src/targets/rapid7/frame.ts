// Pure framing for Rapid7 ingestion: token-TCP lines and webhook request bodies.
import type { EncodedRecord } from '../../record-batch.js';
import type { BatchItem } from '../shared/batcher.js';
import { singleLine } from '../shared/single-line.js';

/**
 * Token TCP (https://docs.rapid7.com/insightops/token-tcp): the token starts the line and is stripped by the server; the
 * line ends with LF. CR, LF and NUL inside the body become spaces so a record can never start a line (and so pick a
 * token) of its own.
 */
export function tokenLine(token: string, record: EncodedRecord): string {
  return `${token} ${singleLine(record.body)}\n`;
}

/** One webhook request per record: the body is the record itself; JSON formats are sent as application/json. */
export function webhookRequest(record: EncodedRecord): { body: string; contentType: string } {
  const json = record.format === 'json' || record.format === 'ecs';
  return {
    body: record.body,
    contentType: json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
  };
}

/** A record as one webhook request: its body, and the content type that goes with it. */
export interface WebhookItem extends BatchItem {
  contentType: string;
}

export function frameWebhookItem(record: EncodedRecord): WebhookItem {
  const { body, contentType } = webhookRequest(record);
  return { id: record.id, piece: body, bytes: Buffer.byteLength(body, 'utf8'), contentType };
}
