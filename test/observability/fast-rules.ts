// Derives quick copies of the shipped alerts for a test against a real Prometheus: same expressions, shorter waits.

/** A rule as Prometheus' rule files hold it (https://prometheus.io/docs/prometheus/2.42/configuration/alerting_rules/). */
export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: Array<{ name: string; interval?: string; rules: Rule[] }>;
}

/**
 * The copies carry this label besides the shipped ones, so that the shipped rules can run in the same Prometheus
 * (their ALERTS series and /api/v1/alerts entries stay apart) and a test picks the copies out.
 */
export const FAST_LABEL = { rules: 'fast' } as const;

/** Every `for:` of an alert that has one: long enough for a poll to see `pending`, short enough for a test. */
export const FAST_FOR = '3s';

/** Every range selector (`[10m]`, `[5m]`): 30 scrapes at a 1 s interval, enough for rate() and deriv(). */
export const FAST_RANGE = '30s';

/**
 * Thresholds that need more jobs or more time than a test has, each as [shipped text, fast text]. Every other number
 * stays: the alerts that use them are the ones a test checks stay quiet or do not look at.
 */
export const FAST_THRESHOLDS: Readonly<Record<string, readonly [string, string]>> = {
  SnykForwarderBacklogGrowing: ['> 100', '> 5'],
  SnykForwarderOldestJobTooOld: ['> 900', '> 5'],
};

const RANGE = /\[(?:\d+(?:ms|[smhdwy]))+\]/g;
const SUBQUERY = /\[(?:\d+(?:ms|[smhdwy]))+:/;

function fastExpr(name: string, expr: string): string {
  if (SUBQUERY.test(expr)) throw new Error(`${name}: a subquery; say how to shorten it in fast-rules.ts`);
  let fast = expr.replace(RANGE, `[${FAST_RANGE}]`);
  const threshold = FAST_THRESHOLDS[name];
  if (threshold !== undefined) {
    const [shipped, lowered] = threshold;
    if (fast.split(shipped).length !== 2) {
      throw new Error(
        `${name}: expected "${shipped}" once in its expression, to lower it to "${lowered}": ${expr}`,
      );
    }
    fast = fast.replace(shipped, lowered);
  }
  return fast;
}

/**
 * The alerting rules of `shipped` with FAST_FOR, FAST_RANGE, FAST_THRESHOLDS and FAST_LABEL applied; each group
 * renamed `<name>-fast`. Recording rules are left out: the shipped file, loaded beside, records them unchanged.
 */
export function fastAlertRules(shipped: RuleFile): RuleFile {
  const alerts = new Set(shipped.groups.flatMap((group) => group.rules.map((rule) => rule.alert)));
  for (const name of Object.keys(FAST_THRESHOLDS)) {
    if (!alerts.has(name)) throw new Error(`FAST_THRESHOLDS names ${name}, which the rules do not hold`);
  }
  return {
    groups: shipped.groups.map((group) => ({
      ...group,
      name: `${group.name}-fast`,
      rules: group.rules.flatMap((rule): Rule[] => {
        if (rule.alert === undefined) return [];
        return [
          {
            ...rule,
            expr: fastExpr(rule.alert, rule.expr),
            ...(rule.for === undefined ? {} : { for: FAST_FOR }),
            labels: { ...rule.labels, ...FAST_LABEL },
          },
        ];
      }),
    })),
  };
}
