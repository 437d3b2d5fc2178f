// The composable index template for the target's data stream: the shipped template, aimed at the configured index.
import { createHash } from 'node:crypto';
import shipped from '../../../deploy/siem/elasticsearch/index-template.json' with { type: 'json' };

// Composable index templates: https://www.elastic.co/docs/manage-data/data-store/templates (index_patterns,
// data_stream, priority, _meta), and the data stream naming scheme `<type>-<dataset>-<namespace>`
// (https://www.elastic.co/docs/reference/fleet/data-streams#data-streams-naming-scheme). Elasticsearch ships a
// `logs-*-*` template at priority 100; a matching template of higher priority wins, so 200 gives this one the data
// stream whatever the namespace.

export type IndexTemplateBody = typeof shipped & { _meta: typeof shipped._meta & { fingerprint: string } };

export interface IndexTemplatePlan {
  /** The template's name in `_index_template/<name>`. */
  name: string;
  /** The one index pattern it applies to. */
  pattern: string;
  body: IndexTemplateBody;
}

/** `logs-snyk.findings-default` → `logs-snyk.findings-*`: every namespace of the type and dataset. */
const DATA_STREAM_NAME = /^([^-]+-[^-]+)-[^-]+$/;

/**
 * The template for the target's index: for a data stream name, every namespace of its dataset (name
 * `logs-snyk.findings` for the default); for any other name, that name alone. `_meta.fingerprint` is the SHA-256 of
 * the rest of the body: Elasticsearch returns `_meta` as it was stored, while it rewrites other parts (defaults added
 * to `data_stream`), so comparing fingerprints says whether the stored template is this one.
 */
export function indexTemplateFor(index: string): IndexTemplatePlan {
  const prefix = DATA_STREAM_NAME.exec(index)?.[1];
  const pattern = prefix === undefined ? index : `${prefix}-*`;
  const name = prefix ?? index;
  const unsigned = { ...shipped, index_patterns: [pattern] };
  const fingerprint = createHash('sha256').update(JSON.stringify(unsigned)).digest('hex');
  return { name, pattern, body: { ...unsigned, _meta: { ...shipped._meta, fingerprint } } };
}

/** The fingerprint a stored template carries (GET `_index_template/<name>`), or undefined when it has none. */
export function storedFingerprint(getBody: string, name: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(getBody);
  } catch {
    return undefined;
  }
  const templates = (parsed as { index_templates?: unknown } | null)?.index_templates;
  if (!Array.isArray(templates)) return undefined;
  const entry = (
    templates as { name?: unknown; index_template?: { _meta?: { fingerprint?: unknown } } }[]
  ).find((t) => t.name === name);
  const fingerprint = entry?.index_template?._meta?.fingerprint;
  return typeof fingerprint === 'string' ? fingerprint : undefined;
}
