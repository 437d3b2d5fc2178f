// Flat JSON encoder: the record as one JSON object with stable snake_case keys (Rapid7 Log Search, HTTP collectors).
import type { NormalizedRecord } from '../types.js';
import { flatFields } from './flat.js';
import { safeJson } from './json-text.js';

export function encodeJson(record: NormalizedRecord): string {
  return safeJson(flatFields(record));
}
