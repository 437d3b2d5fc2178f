// The quick copies of the shipped alerts keep every expression and change only the documented waits and thresholds.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FAST_FOR, FAST_LABEL, FAST_RANGE, fastAlertRules, type RuleFile } from './fast-rules.js';

const shipped = parse(
  readFileSync(new URL('../../deploy/observability/alerts.yml', import.meta.url), 'utf8'),
) as RuleFile;
const rulesOf = (file: RuleFile) => file.groups.flatMap((group) => group.rules);

describe('fastAlertRules', () => {
  const fast = fastAlertRules(shipped);
  const byName = new Map(rulesOf(fast).map((rule) => [rule.alert, rule]));

  it('copies every shipped alert, with its labels and annotations, and no recording rule', () => {
    const alerts = rulesOf(shipped).filter((rule) => rule.alert !== undefined);
    expect(alerts.length).toBeGreaterThan(0);
    expect([...byName.keys()]).toEqual(alerts.map((rule) => rule.alert));
    for (const rule of alerts) {
      const copy = byName.get(rule.alert);
      expect(copy?.labels).toEqual({ ...rule.labels, ...FAST_LABEL });
      expect(copy?.annotations).toEqual(rule.annotations);
      expect(copy?.for).toBe(rule.for === undefined ? undefined : FAST_FOR);
    }
    expect(rulesOf(fast).some((rule) => rule.record !== undefined)).toBe(false);
  });

  it('shortens ranges and lowers the two thresholds a test cannot reach, and changes nothing else', () => {
    expect(byName.get('SnykForwarderBacklogGrowing')?.expr).toBe(
      `snyk_siem_forwarder:queue_backlog > 5\nand deriv(snyk_siem_forwarder:queue_backlog[${FAST_RANGE}]) > 0\n`,
    );
    expect(byName.get('SnykForwarderOldestJobTooOld')?.expr).toBe(
      'max by (queue) (snyk_siem_forwarder_queue_oldest_waiting_age_seconds) > 5',
    );
    expect(byName.get('SnykForwarderReceiverUnavailable')?.expr).toBe(
      `sum(rate(snyk_siem_forwarder_webhooks_received_total{outcome="unavailable"}[${FAST_RANGE}])) > 0`,
    );
    expect(byName.get('SnykForwarderReconcileFoundMissing')?.expr).toBe(
      `sum by (org) (increase(snyk_siem_forwarder_reconcile_missing_total[${FAST_RANGE}])) > 0`,
    );
    expect(byName.get('SnykForwarderReconcileFailing')?.expr).toBe(
      `sum by (org) (increase(snyk_siem_forwarder_reconcile_runs_total{result="failure"}[${FAST_RANGE}])) > 0\n` +
        `unless sum by (org) (increase(snyk_siem_forwarder_reconcile_runs_total{result="success"}[${FAST_RANGE}])) > 0\n`,
    );
    const untouched = rulesOf(shipped).filter(
      (rule) =>
        rule.alert !== undefined &&
        ![
          'SnykForwarderBacklogGrowing',
          'SnykForwarderOldestJobTooOld',
          'SnykForwarderReceiverUnavailable',
          'SnykForwarderReconcileFoundMissing',
          'SnykForwarderReconcileFailing',
        ].includes(rule.alert),
    );
    expect(untouched.length).toBeGreaterThan(0);
    for (const rule of untouched) expect(byName.get(rule.alert)?.expr, rule.alert).toBe(rule.expr);
  });

  it('refuses rules whose threshold it should lower no longer reads as it expects', () => {
    const changed: RuleFile = {
      groups: [
        {
          name: 'g',
          rules: [
            { alert: 'SnykForwarderBacklogGrowing', expr: 'snyk_siem_forwarder:queue_backlog > 200' },
            { alert: 'SnykForwarderOldestJobTooOld', expr: 'x > 900' },
          ],
        },
      ],
    };
    expect(() => fastAlertRules(changed)).toThrow(/expected "> 100" once/);
    const missing: RuleFile = { groups: [{ name: 'g', rules: [{ alert: 'Other', expr: 'x > 1' }] }] };
    expect(() => fastAlertRules(missing)).toThrow(/which the rules do not hold/);
    const subquery: RuleFile = {
      groups: [{ name: 'g', rules: [{ alert: 'Other', expr: 'max_over_time(x[10m:1m]) > 1' }] }],
    };
    expect(() => fastAlertRules({ groups: [...shipped.groups, ...subquery.groups] })).toThrow(/subquery/);
  });
});
