// Reads the PromQL queries out of a Grafana dashboard and turns Grafana's variables into values Prometheus accepts.

export interface DashboardQuery {
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string }>;
  /** A collapsed row holds its panels (https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/). */
  panels?: Panel[];
}

/** Every target `expr` of every panel, rows' panels included, in the order of the file. */
export function dashboardQueries(dashboard: { panels?: Panel[] }): DashboardQuery[] {
  const walk = (panels: readonly Panel[]): DashboardQuery[] =>
    panels.flatMap((panel) => [
      ...(panel.targets ?? [])
        .filter((target) => typeof target.expr === 'string' && target.expr !== '')
        .map((target) => ({ panel: panel.title ?? '(untitled)', expr: target.expr as string })),
      ...walk(panel.panels ?? []),
    ]);
  return walk(dashboard.panels ?? []);
}

/**
 * Grafana's global interval variables, as a query at a 1 s scrape interval can use them
 * (https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#global-variables).
 */
const INTERVALS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '5m',
  __interval_ms: '15000',
  __range_s: '300',
  __range_ms: '300000',
};

// $name, ${name}, ${name:format} and the deprecated [[name]] (Grafana's variable syntax, same page).
const VARIABLE = /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g;

/** `expr` with each variable replaced by INTERVALS or `values`; a variable neither knows throws, naming it. */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(VARIABLE, (whole, braced?: string, bare?: string, bracketed?: string) => {
    const name = (braced ?? bare ?? bracketed) as string;
    const value = INTERVALS[name] ?? values[name];
    if (value === undefined) throw new Error(`no value for the Grafana variable ${whole} in ${expr}`);
    return value;
  });
}

/**
 * The metric names a query spells out with `prefix` (selectors, `_bucket` series included). A name inside a regular
 * expression on __name__ (`prefix_snyk_last_(delivery|ping)_…`) is not one name and is left out.
 */
export function metricNames(expr: string, prefix: string): string[] {
  const names = [...expr.matchAll(new RegExp(`\\b${prefix}[a-zA-Z0-9_]*(?![a-zA-Z0-9_(|])`, 'g'))].map(
    (match) => match[0],
  );
  return [...new Set(names)];
}
