// What a documented search refers to: the fields it names, the values it compares them with, the names it defines.

// Not parsers of the languages: each extractor reads the constructs the docs use (and fails loudly on leftovers it
// cannot place, through the field check), so that a misspelt field or a value no record carries is caught.

export type QueryLang = 'spl' | 'leql' | 'esql' | 'kql' | 'kusto' | 'aql' | 'arcsight';
export const QUERY_LANGS: readonly QueryLang[] = ['spl', 'leql', 'esql', 'kql', 'kusto', 'aql', 'arcsight'];

export interface Comparison {
  field: string;
  /** `=` exact (a `*` at the end: prefix), `~` contains. */
  match: '=' | '~';
  value: string;
}

export interface QueryRefs {
  /** Every field the search reads, in the SIEM's own naming. */
  fields: string[];
  comparisons: Comparison[];
  /** Free-text terms (LEQL keyword search). */
  keywords: string[];
  /** Names the search defines (AS, EVAL, extend, …) and what they were computed from, when that is one field. */
  defined: Map<string, string | undefined>;
  /** The fields a state search groups findings by (its latest-state step), for the open-finding replay. */
  groupKeys: string[];
  /** Settings that are not record fields: index, sourcetype, FROM <index>, datamodel, … */
  settings: Map<string, string>;
}

const KEYWORDS: Record<QueryLang, Set<string>> = {
  spl: new Set(
    'index sourcetype earliest latest dedup stats tstats where table sort fields by as and or not from datamodel summariesonly count'.split(
      ' ',
    ),
  ),
  leql: new Set('where groupby calculate and or not unique count sum true false'.split(' ')),
  esql: new Set(
    'from where eval stats by keep sort limit mv_expand and or not is null desc asc true false day week hour'.split(
      ' ',
    ),
  ),
  kql: new Set('and or not'.split(' ')),
  kusto: new Set('where extend summarize by project order desc asc and or not in has contains'.split(' ')),
  aql: new Set(
    'select from where group by having order last days hours as and or not case when then else end ilike like events'.split(
      ' ',
    ),
  ),
  arcsight: new Set('and or not contains sort dedup where fields chart count by'.split(' ')),
};

function unquote(text: string): string {
  return text.replace(/^(["'])(.*)\1$/s, '$2');
}

/** Identifiers left once literals, comparisons' values, functions and keywords are taken out. */
function identifiers(text: string, lang: QueryLang, pattern: RegExp): string[] {
  const stripped = text
    // Function names: an identifier directly followed by "(".
    .replace(/\b[A-Za-z_][\w]*\s*\(/g, ' (');
  const out: string[] = [];
  for (const match of stripped.matchAll(pattern)) {
    const word = match[0];
    if (KEYWORDS[lang].has(word.toLowerCase())) continue;
    out.push(word);
  }
  return out;
}

/** Removes string literals, remembering nothing: what they compare against is read before. */
function withoutStrings(text: string): string {
  return text.replace(/"[^"]*"|'[^']*'/g, ' ');
}

function spl(query: string): QueryRefs {
  const refs = empty();
  const SETTINGS = new Set(['index', 'sourcetype', 'earliest', 'latest', 'datamodel', 'summariesonly']);
  // key=value and "key"=value (search terms, where, tstats WHERE).
  let rest = query.replace(
    /(^|[\s(])"?([A-Za-z_][\w.]*(?:\{\})?)"?\s*(!=|=)\s*("[^"]*"|[^\s|()]+)/g,
    (_all, lead: string, field: string, _op: string, raw: string) => {
      const value = unquote(raw);
      if (SETTINGS.has(field)) refs.settings.set(field, value);
      else refs.comparisons.push({ field, match: '=', value });
      return `${lead} ${SETTINGS.has(field) ? '' : field} `;
    },
  );
  for (const m of query.matchAll(/\b(\w+)\(([\w.{}]+)\)\s+AS\s+(\w+)/gi)) refs.defined.set(m[3] ?? '', m[2]);
  for (const m of query.matchAll(/\bAS\s+(\w+)/gi))
    if (!refs.defined.has(m[1] ?? '')) refs.defined.set(m[1] ?? '', undefined);
  rest = withoutStrings(rest).replace(/\bAS\s+\w+/gi, ' ');
  refs.fields = identifiers(rest, 'spl', /[A-Za-z_][\w.]*(?:\{\})?/g);
  // The state step: `stats latest(action) … BY <keys>`.
  const latest = /stats[^|]*latest\(action\)[^|]*\bBY\s+([^|]+)/i.exec(query);
  if (latest) refs.groupKeys = (latest[1] ?? '').trim().split(/\s+/);
  return refs;
}

function leql(query: string): QueryRefs {
  const refs = empty();
  let rest = query.replace(
    /([A-Za-z_][\w.]*)\s*(!=|=)\s*("[^"]*"|[^\s)]+)/g,
    (_all, field: string, _op: string, raw: string) => {
      refs.comparisons.push({ field, match: '=', value: unquote(raw) });
      return ` ${field} `;
    },
  );
  for (const m of rest.matchAll(/"([^"]*)"/g)) refs.keywords.push(m[1] ?? '');
  rest = withoutStrings(rest);
  refs.fields = identifiers(rest, 'leql', /[A-Za-z_][\w.]*/g);
  const groupby = /groupby\(([^)]*)\)/.exec(query);
  refs.groupKeys = (groupby?.[1] ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '' && k !== 'action');
  return refs;
}

function esql(query: string): QueryRefs {
  const refs = empty();
  const from = /^\s*FROM\s+(\S+)/i.exec(query);
  if (from) refs.settings.set('FROM', from[1] ?? '');
  let rest = query.replace(/^\s*FROM\s+\S+/i, ' ');
  rest = rest.replace(
    /([A-Za-z_@][\w.@]*)\s*(==|!=)\s*("[^"]*"|true|false)/g,
    (_all, field: string, _op: string, raw: string) => {
      refs.comparisons.push({ field, match: '=', value: unquote(raw) });
      return ` ${field} `;
    },
  );
  for (const m of query.matchAll(/\b([A-Za-z_]\w*)\s*=(?!=)\s*(?:\w+\()?([\w.@]+)?/g))
    refs.defined.set(m[1] ?? '', undefined);
  rest = withoutStrings(rest)
    .replace(/\b[A-Za-z_]\w*\s*=(?!=)/g, ' ')
    .replace(/\b\d+\s+(day|week|hour)s?\b/gi, ' ');
  refs.fields = identifiers(rest, 'esql', /@?[A-Za-z_][\w.]*/g);
  const state = /STATS\s+last_introduced[^|]*\bBY\s+([^|]+)/i.exec(query);
  if (state) refs.groupKeys = (state[1] ?? '').split(',').map((k) => k.trim());
  return refs;
}

function kql(query: string): QueryRefs {
  const refs = empty();
  const rest = query.replace(
    /([A-Za-z_@][\w.@]*)\s*:\s*("[^"]*"|[^\s)]+)/g,
    (_all, field: string, raw: string) => {
      refs.comparisons.push({ field, match: '=', value: unquote(raw) });
      return ` ${field} `;
    },
  );
  refs.fields = identifiers(withoutStrings(rest), 'kql', /@?[A-Za-z_][\w.]*/g);
  return refs;
}

function kusto(query: string): QueryRefs {
  const refs = empty();
  const table = /^\s*(\w+)/.exec(query);
  if (table) refs.settings.set('table', table[1] ?? '');
  let rest = query.replace(/^\s*\w+/, ' ');
  rest = rest.replace(/\b([A-Za-z_]\w*)\s+in\s*\(([^)]*)\)/g, (_all, field: string, list: string) => {
    for (const m of list.matchAll(/"([^"]*)"/g))
      refs.comparisons.push({ field, match: '=', value: m[1] ?? '' });
    return ` ${field} `;
  });
  rest = rest.replace(
    /\b([A-Za-z_]\w*)\s*(==|!=|has|contains)\s*("[^"]*"|\d+(?:\.\d+)?)/g,
    (_all, field: string, op: string, raw: string) => {
      refs.comparisons.push({ field, match: op === '==' || op === '!=' ? '=' : '~', value: unquote(raw) });
      return ` ${field} `;
    },
  );
  for (const m of query.matchAll(/\b([A-Za-z_]\w*)\s*=(?!=)\s*([A-Za-z_]\w*)?/g))
    refs.defined.set(m[1] ?? '', m[2]);
  rest = withoutStrings(rest)
    .replace(/\b[A-Za-z_]\w*\s*=(?!=)/g, ' ')
    .replace(/\*/g, ' ');
  refs.fields = identifiers(rest, 'kusto', /\b[A-Za-z_]\w*\b/g);
  // The state step: `summarize arg_max(EventTime, DeviceAction) by <keys>` (aliases resolved to their columns).
  const state = /summarize\s+arg_max\(\w+,\s*DeviceAction\)\s+by\s+([^\n|]+)/.exec(query);
  if (state) {
    refs.groupKeys = (state[1] ?? '').split(',').map((k) => {
      const alias = /=\s*(\w+)/.exec(k);
      return (alias?.[1] ?? k).trim();
    });
  }
  return refs;
}

function aql(query: string): QueryRefs {
  const refs = empty();
  const cep = new Set<string>();
  let rest = query.replace(
    /("[^"]+"|\b[a-z]\w*)\s*(=|!=|ILIKE|LIKE)\s*('[^']*'|\d+)/gi,
    (all: string, rawField: string, op: string, raw: string) => {
      const field = unquote(rawField);
      if (KEYWORDS.aql.has(field.toLowerCase())) return all;
      const value = unquote(raw);
      if (/like/i.test(op)) refs.comparisons.push({ field, match: '~', value: value.replace(/^%|%$/g, '') });
      else refs.comparisons.push({ field, match: '=', value });
      return ` ${rawField} `;
    },
  );
  for (const m of query.matchAll(/\bAS\s+(\w+)/gi)) refs.defined.set(m[1] ?? '', undefined);
  // `CASE "action" WHEN 'issue_introduced' THEN …` compares too.
  for (const m of query.matchAll(/CASE\s+"([^"]+)"\s+WHEN\s+'([^']*)'/gi))
    refs.comparisons.push({ field: m[1] ?? '', match: '=', value: m[2] ?? '' });
  // Quoted identifiers are custom event properties; unquoted ones QRadar's own columns.
  rest = rest.replace(/"([^"]+)"/g, (_all, name: string) => {
    cep.add(name);
    return ' ';
  });
  rest = withoutStrings(rest)
    .replace(/\bAS\s+\w+/gi, ' ')
    .replace(/\*/g, ' ');
  refs.fields = [...cep, ...identifiers(rest, 'aql', /\b[A-Za-z_]\w*\b/g)];
  const group = /GROUP BY\s+([^\n]+)/i.exec(query);
  refs.groupKeys = (group?.[1] ?? '').split(',').map((k) => unquote(k.trim()));
  return refs;
}

function arcsight(query: string): QueryRefs {
  const refs = empty();
  let rest = query.replace(
    /\b([A-Za-z_]\w*)\s*(=|!=|CONTAINS)\s*("[^"]*"|\d+)/g,
    (_all, field: string, op: string, raw: string) => {
      refs.comparisons.push({ field, match: op === 'CONTAINS' ? '~' : '=', value: unquote(raw) });
      return ` ${field} `;
    },
  );
  rest = withoutStrings(rest).replace(/\s-\s/g, ' ');
  refs.fields = identifiers(rest, 'arcsight', /\b[A-Za-z_]\w*\b/g);
  // The state step: the `dedup` that follows a newest-first sort keeps each finding's latest event.
  const state = /sort - \w+\s*\|\s*dedup\s+([^|]+)/.exec(query);
  if (state) refs.groupKeys = (state[1] ?? '').trim().split(/\s+/);
  return refs;
}

function empty(): QueryRefs {
  return {
    fields: [],
    comparisons: [],
    keywords: [],
    defined: new Map(),
    groupKeys: [],
    settings: new Map(),
  };
}

export function queryRefs(lang: QueryLang, query: string): QueryRefs {
  switch (lang) {
    case 'spl':
      return spl(query);
    case 'leql':
      return leql(query);
    case 'esql':
      return esql(query);
    case 'kql':
      return kql(query);
    case 'kusto':
      return kusto(query);
    case 'aql':
      return aql(query);
    case 'arcsight':
      return arcsight(query);
  }
}

/** A documented search: the fenced block after a `<!-- query question=… -->` comment. */
export interface DocQuery {
  file: string;
  lang: string;
  question: string | undefined;
  text: string;
}

/**
 * Every fenced block of a Markdown page, with the question its annotation names (undefined when not annotated). Fences
 * may be indented (inside list items): a block ends at a fence of the same indentation.
 */
export function fencedBlocks(file: string, markdown: string): DocQuery[] {
  const out: DocQuery[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^( *)```(\w*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1] ?? '';
    const annotation = /^<!--\s*query\s+question=([\w-]+)\s*-->$/.exec(lines[i - 1] ?? '');
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j] !== `${indent}\`\`\``) {
      body.push((lines[j] ?? '').slice(indent.length));
      j += 1;
    }
    if (j >= lines.length) throw new Error(`${file}:${i + 1}: unclosed code block`);
    out.push({ file, question: annotation?.[1], lang: open[2] ?? '', text: body.join('\n') });
    i = j;
  }
  return out;
}
