// Configuration of the Splunk HTTP Event Collector target, with optional indexer acknowledgement.
import { z } from 'zod';
import { tlsSchema } from '../../net/tls.js';
import { commonTargetFields, maxRecordBytesSchema, OUTPUT_FORMATS } from '../common-config.js';
import { batchSchema, checkTlsMatchesUrl, httpUrlSchema, timeoutMsSchema } from '../shared/http-config.js';

const ackSchema = z
  .strictObject({
    /** Wait for Splunk's indexer acknowledgement (splunk-hec/ack.ts); the token needs useACK. */
    enabled: z.boolean().default(false),
    /** Pause between two polls of /services/collector/ack. */
    pollIntervalMs: z.number().int().min(10).max(60_000).default(1_000),
    /** Give up waiting after this long; the job is retried and the events are sent again (duplicates possible). */
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  })
  .prefault({});

const metaField = z.string().min(1).max(1024);

/** The sourcetype of the Splunk add-on (deploy/siem/splunk/TA-snyk-siem-forwarder/default/props.conf). */
export const SPLUNK_SOURCETYPE = 'snyk:finding';

/**
 * Splunk cuts an event's raw text at TRUNCATE bytes, 10000 by default (props.conf spec,
 * https://docs.splunk.com/Documentation/Splunk/latest/Admin/Propsconf), which a finding with its advisory can pass in
 * JSON and ECS: records are fitted to it unless maxRecordBytes says otherwise (0 for a sourcetype with TRUNCATE = 0).
 */
export const SPLUNK_TRUNCATE_DEFAULT = 10_000;

export const splunkHecTargetSchema = z
  .strictObject({
    ...commonTargetFields,
    type: z.literal('splunk-hec'),
    format: z.enum(OUTPUT_FORMATS).default('json'),
    /** The HEC base URL, e.g. https://splunk.example:8088; events go to <url>/services/collector/event. */
    url: httpUrlSchema('url').refine((value) => !/\/services\/collector/.test(value), {
      message: 'give the HEC base URL (e.g. https://splunk.example:8088); /services/collector/event is added',
    }),
    /** The HEC token (a GUID); sent as `Authorization: Splunk <token>`, never logged. */
    token: z.string().min(1, 'token is required (the HEC token GUID)'),
    index: metaField.optional(),
    source: metaField.optional(),
    /** The add-on in deploy/siem/splunk parses this sourcetype (JSON, time, no truncation, CIM tags). */
    sourcetype: metaField.default(SPLUNK_SOURCETYPE),
    host: metaField.optional(),
    /**
     * Add the CIM Vulnerabilities fields to json records (normalizers/encode/cim.ts). On by default: the fields are
     * what Splunk's data models and Enterprise Security read, and the json format only ever adds keys.
     */
    cim: z.boolean().default(true),
    ack: ackSchema,
    timeoutMs: timeoutMsSchema,
    batch: batchSchema({ maxEvents: 500, maxBytes: 1_048_576, maxWaitMs: 0 }),
    maxRecordBytes: maxRecordBytesSchema().default(SPLUNK_TRUNCATE_DEFAULT),
    tls: tlsSchema.optional(),
  })
  .superRefine(checkTlsMatchesUrl);
export type SplunkHecTargetConfig = z.infer<typeof splunkHecTargetSchema>;
