// The union of every target type's configuration, keyed by `type`.
import { z } from 'zod';
import { elasticsearchTargetSchema } from './elasticsearch/config.js';
import { fileTargetSchema } from './file/config.js';
import { httpTargetSchema } from './http/config.js';
import { rapid7TargetSchema } from './rapid7/config.js';
import { splunkHecTargetSchema } from './splunk-hec/config.js';
import { syslogTargetSchema } from './syslog/config.js';

export const targetSchema = z.discriminatedUnion('type', [
  fileTargetSchema,
  syslogTargetSchema,
  httpTargetSchema,
  splunkHecTargetSchema,
  elasticsearchTargetSchema,
  rapid7TargetSchema,
]);
export type TargetConfig = z.infer<typeof targetSchema>;
