// Flat JSON encoder: the record as one JSON object with stable snake_case keys (Rapid7 Log Search, HTTP collectors).
import type { NormalizedRecord } from '../types.js';
import { cimFields } from './cim.js';
import { flatFields } from './flat.js';
import { safeJson } from './json-text.js';

export interface JsonOptions {
  /**
   * Add the Splunk CIM `Vulnerabilities` fields (cim.ts) to findings. They are added after the flat fields; the one
   * name both share, `severity`, holds the same value in both.
   */
  cim?: boolean;
}

export function encodeJson(record: NormalizedRecord, options: JsonOptions = {}): string {
  const flat = flatFields(record);
  const cim = options.cim === true ? cimFields(record) : undefined;
  return safeJson(cim === undefined ? flat : { ...flat, ...cim });
}
