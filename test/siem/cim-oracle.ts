// The CIM Vulnerabilities data model as Splunk's own add-on tests define it, and the eventtype check used with it.

// Source: github.com/splunk/pytest-splunk-addon, pytest_splunk_addon/standard_lib/data_models/Vulnerabilities.json
// (the compliance definition Splunk's add-on builder tests run): constraint `tag=vulnerability tag=report`, its
// fields (required and optional) and the expected values of `severity`; `cvss` is valid when isnum(cvss).
export const CIM_REQUIRED = ['category', 'cve', 'cvss', 'dest', 'dvc', 'severity', 'signature'] as const;
export const CIM_OPTIONAL = [
  'bugtraq',
  'cert',
  'msft',
  'mskb',
  'url',
  'user',
  'vendor_product',
  'xref',
] as const;
export const CIM_SEVERITY_VALUES = ['critical', 'high', 'medium', 'low', 'informational'];
export const CIM_TAGS = ['vulnerability', 'report'];

/**
 * An eventtype's search run on one event: space-separated `field=value` terms, all of which must hold (a SPL search
 * ANDs its terms). `sourcetype` is the event's metadata; every other field is the JSON key Splunk extracts. Throws on
 * any other construct, so a richer search cannot pass unread.
 */
export function eventtypeMatches(
  search: string,
  event: Record<string, unknown>,
  sourcetype: string,
): boolean {
  const terms = search.match(/\S+="[^"]*"|\S+=\S+/g) ?? [];
  if (terms.join(' ') !== search.trim()) throw new Error(`eventtype search not understood: ${search}`);
  return terms.every((term) => {
    const eq = term.indexOf('=');
    const field = term.slice(0, eq);
    const value = term.slice(eq + 1).replace(/^"(.*)"$/, '$1');
    const actual = field === 'sourcetype' ? sourcetype : event[field];
    return actual === value;
  });
}
