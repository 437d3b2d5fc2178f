// Configuration of the Elasticsearch target: _bulk `create` of ECS or JSON documents into an index or data stream.
import { z } from 'zod';
import { tlsSchema } from '../../net/tls.js';
import { commonTargetFields } from '../common-config.js';
import { batchSchema, checkTlsMatchesUrl, httpUrlSchema, timeoutMsSchema } from '../shared/http-config.js';

/** Elasticsearch index-name rules (create index API): lower case, no \ / * ? " < > | space , #, not starting with - _ +. */
const indexNameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => name === name.toLowerCase(), { message: 'index must be lower case' })
  .refine((name) => !/[\\/*?"<>| ,#:]/.test(name), {
    message: 'index must not contain \\ / * ? " < > | space , # or :',
  })
  .refine((name) => !/^[-_+]/.test(name) && name !== '.' && name !== '..', {
    message: 'index must not start with -, _ or + and cannot be . or ..',
  });

/**
 * Elastic's data stream naming scheme `<type>-<dataset>-<namespace>`
 * (https://www.elastic.co/docs/reference/fleet/data-streams#data-streams-naming-scheme): type `logs`, dataset
 * `snyk.findings`, namespace `default`.
 */
export const DEFAULT_INDEX = 'logs-snyk.findings-default';

/**
 * Names that Elasticsearch's built-in `logs-*-*` index template (priority 100, data_stream enabled) turns into data
 * streams when no other template claims them: a document there needs `@timestamp`.
 */
const BUILT_IN_DATA_STREAM = /^logs-[^-]+-[^-]+$/;

export const elasticsearchTargetSchema = z
  .strictObject({
    ...commonTargetFields,
    type: z.literal('elasticsearch'),
    /** Elasticsearch stores JSON documents: ecs (default) or json. */
    format: z
      .enum(['ecs', 'json'], {
        error:
          'elasticsearch stores JSON documents: format must be ecs or json (cef and leef are text lines; use syslog or http)',
      })
      .default('ecs'),
    /** The cluster URL, e.g. https://es.example:9200 (a path prefix behind a proxy is kept). */
    url: httpUrlSchema('url'),
    /**
     * An index, alias or data stream name; data streams need `@timestamp` (ecs has it) and accept only `create`. The
     * default is the data stream of the index template in deploy/siem/elasticsearch (`targets setup` installs it).
     */
    index: indexNameSchema.default(DEFAULT_INDEX),
    /** Base64 API key as Kibana shows it ("encoded"); sent as `Authorization: ApiKey <key>`, never logged. */
    apiKey: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    timeoutMs: timeoutMsSchema,
    // Merging concurrent jobs is on by default here only: per-item results keep one job's bad document from failing
    // the others that shared its request (for http and HEC a rejected request fails every job in it).
    batch: batchSchema({ maxEvents: 500, maxBytes: 5 * 1_048_576, maxWaitMs: 20 }),
    tls: tlsSchema.optional(),
  })
  .superRefine((config, ctx) => {
    checkTlsMatchesUrl(config, ctx);
    if (config.format === 'json' && BUILT_IN_DATA_STREAM.test(config.index)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${config.index}" is a data stream name (logs-<dataset>-<namespace>), whose documents need @timestamp, which the json format has not: use format ecs, or name a plain index`,
        path: ['index'],
      });
    }
    if (config.apiKey !== undefined && (config.username !== undefined || config.password !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'use either apiKey or username + password, not both',
        path: ['apiKey'],
      });
    }
    if ((config.username === undefined) !== (config.password === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'username and password go together', path: ['username'] });
    }
  });
export type ElasticsearchTargetConfig = z.infer<typeof elasticsearchTargetSchema>;
