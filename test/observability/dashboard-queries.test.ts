// Reading a Grafana dashboard's queries: nested rows, Grafana's variable syntaxes, and the metric names a query spells.
import { describe, expect, it } from 'vitest';
import { dashboardQueries, metricNames, substituteVariables } from './dashboard-queries.js';

describe('dashboardQueries', () => {
  it("finds the targets of top-level panels and of a collapsed row's panels, and skips empty ones", () => {
    const dashboard = {
      panels: [
        { title: 'A', targets: [{ expr: 'up' }, { expr: '' }, {}] },
        { title: 'Row', panels: [{ title: 'B', targets: [{ expr: 'sum(x)' }] }] },
        { title: 'Text' },
      ],
    };
    expect(dashboardQueries(dashboard)).toEqual([
      { panel: 'A', expr: 'up' },
      { panel: 'B', expr: 'sum(x)' },
    ]);
  });
});

describe('substituteVariables', () => {
  it("fills Grafana's interval variables and the given ones, in every syntax", () => {
    expect(
      substituteVariables(
        'rate(x{queue="$queue",t="${target}",u="${target:raw}",v="[[queue]]"}[$__rate_interval])',
        {
          queue: 'siem',
          target: 'out',
        },
      ),
    ).toBe('rate(x{queue="siem",t="out",u="out",v="siem"}[1m])');
  });

  it('names a variable it has no value for', () => {
    expect(() => substituteVariables('x{instance="$instance"}', {})).toThrow(/\$instance/);
  });
});

describe('metricNames', () => {
  const prefix = 'snyk_siem_forwarder_';

  it('reads each name once, bucket series included, and not the recording rules or regular expressions', () => {
    expect(
      metricNames(
        'histogram_quantile(0.9, rate(snyk_siem_forwarder_d_seconds_bucket[5m])) / snyk_siem_forwarder_up' +
          ' + snyk_siem_forwarder_up + snyk_siem_forwarder:queue_backlog' +
          ' + max({__name__=~"snyk_siem_forwarder_last_(a|b)_seconds"})',
        prefix,
      ),
    ).toEqual(['snyk_siem_forwarder_d_seconds_bucket', 'snyk_siem_forwarder_up']);
  });
});
