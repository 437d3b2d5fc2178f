// Pure request-body builders of the Splunk HEC target: one JSON envelope per event, concatenated.
import type { EncodedRecord } from '../../record-batch.js';
import { recordAsJson } from '../shared/http-body.js';

export interface HecMetadata {
  index?: string | undefined;
  source?: string | undefined;
  sourcetype?: string | undefined;
  host?: string | undefined;
}

/** Epoch seconds with millisecond precision, as HEC's `time` expects; undefined lets Splunk use the receipt time. */
export function hecTime(iso: string): string | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : (ms / 1000).toFixed(3);
}

/**
 * One event envelope: {"time":…,"index":…,"source":…,"sourcetype":…,"host":…,"event":…}. The event is the JSON
 * document itself for json/ecs, and a JSON string for cef/leef lines.
 */
export function frameHecEvent(record: EncodedRecord, meta: HecMetadata): string {
  let head = '{';
  const time = hecTime(record.time);
  if (time !== undefined) head += `"time":${time},`;
  if (meta.index !== undefined) head += `"index":${JSON.stringify(meta.index)},`;
  if (meta.source !== undefined) head += `"source":${JSON.stringify(meta.source)},`;
  if (meta.sourcetype !== undefined) head += `"sourcetype":${JSON.stringify(meta.sourcetype)},`;
  if (meta.host !== undefined) head += `"host":${JSON.stringify(meta.host)},`;
  return `${head}"event":${recordAsJson(record)}}`;
}

/**
 * A batch is the envelopes concatenated, not a JSON array; a LF between them is allowed and eases debugging
 * (https://help.splunk.com/splunk-enterprise/get-data-in/collect-http-event-data/format-events-for-http-event-collector).
 */
export function joinHecEvents(pieces: readonly string[]): string {
  return pieces.join('\n');
}

export function frameHecBody(records: readonly EncodedRecord[], meta: HecMetadata): string {
  return joinHecEvents(records.map((record) => frameHecEvent(record, meta)));
}

/** Body of an ack poll: {"acks":[id,…]}. */
export function frameAckQuery(ackIds: readonly number[]): string {
  return JSON.stringify({ acks: ackIds });
}
