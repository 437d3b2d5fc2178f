// The record budget of every target type: the UTF-8 bytes one encoded record may take, fitted at fan-out.
import { syslogRecordBudget } from './syslog/budget.js';
import type { TargetConfig } from './target-schema.js';

/**
 * How many bytes a record of this target may take, or undefined for no limit (docs/targets/syslog.md#fit-to-size).
 * `maxRecordBytes` decides where it is set (0: no limit). Otherwise syslog over UDP gets what a datagram leaves after
 * the header, and splunk-hec has Splunk's default TRUNCATE as its schema default (splunk-hec/config.ts). The rapid7
 * syslog transport is TLS only and no Rapid7 input publishes a size limit, so it has none, like http, elasticsearch
 * and file.
 */
export function recordBudget(config: TargetConfig): number | undefined {
  if (config.type === 'syslog') return syslogRecordBudget(config);
  const bytes = config.maxRecordBytes;
  return bytes === undefined || bytes === 0 ? undefined : bytes;
}
