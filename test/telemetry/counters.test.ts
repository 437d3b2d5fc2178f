// Counters: one prom-client registry per daemon, read back by tests through get() and by Prometheus through render().
import { describe, expect, it } from 'vitest';
import { Counters } from '../../src/telemetry/counters.js';
import { declareTargetSeries, eventLabel, forgetTargetSeries } from '../../src/telemetry/series.js';

describe('Counters', () => {
  it('sums the series whose labels include the ones asked for', async () => {
    const counters = new Counters();
    counters.increment('webhooks_received_total', { event: 'ping/v0', outcome: 'ping' });
    counters.increment('webhooks_received_total', { event: 'other', outcome: 'accepted' }, 2);
    counters.increment('webhooks_received_total', { event: 'project_snapshot/v0', outcome: 'accepted' }, 3);
    expect(await counters.get('webhooks_received_total')).toBe(6);
    expect(await counters.get('webhooks_received_total', { outcome: 'accepted' })).toBe(5);
    expect(await counters.get('webhooks_received_total', { event: 'other', outcome: 'accepted' })).toBe(2);
    expect(await counters.get('webhooks_received_total', { outcome: 'duplicate' })).toBe(0);
  });

  it('keeps each daemon apart: two sets of counters in one process never share a series', async () => {
    const one = new Counters();
    const two = new Counters();
    one.increment('records_delivered_total', { target: 'siem' }, 4);
    expect(await one.get('records_delivered_total', { target: 'siem' })).toBe(4);
    expect(await two.get('records_delivered_total', { target: 'siem' })).toBe(0);
  });

  it('moves gauges both ways, counts histogram observations, and renders every name with the prefix', async () => {
    const counters = new Counters();
    counters.adjust('unverified_body_bytes', {}, 1000);
    counters.adjust('unverified_body_bytes', {}, -400);
    counters.observe('delivery_duration_seconds', { target: 'siem' }, 0.2);
    counters.observe('delivery_duration_seconds', { target: 'siem' }, 3);
    expect(await counters.get('unverified_body_bytes')).toBe(600);
    expect(await counters.get('delivery_duration_seconds', { target: 'siem' })).toBe(2);
    const text = await counters.render();
    expect(text).toContain('snyk_siem_forwarder_unverified_body_bytes 600');
    expect(text).toContain('snyk_siem_forwarder_delivery_duration_seconds_bucket{le="0.25",target="siem"} 1');
    expect(counters.contentType).toContain('text/plain');
  });

  it("declares a target's series at 0 (target_up at 1) and drops its gauges when it is removed", async () => {
    const counters = new Counters();
    declareTargetSeries(counters, 'siem');
    let text = await counters.render();
    expect(text).toContain('snyk_siem_forwarder_records_failed_total{target="siem",code="network_error"} 0');
    expect(text).toContain(
      'snyk_siem_forwarder_delivery_attempts_total{target="siem",result="rate_limited"} 0',
    );
    expect(text).toContain('snyk_siem_forwarder_end_to_end_latency_seconds_count{target="siem"} 0');
    expect(text).toContain('snyk_siem_forwarder_target_up{target="siem"} 1');
    // Codes of a start or the ingest queue never label a target's records.
    expect(text).not.toContain('code="config_invalid"');
    expect(text).not.toContain('code="payload_invalid"');
    forgetTargetSeries(counters, 'siem');
    text = await counters.render();
    expect(text).not.toContain('snyk_siem_forwarder_target_up{target="siem"}');
    expect(text).toContain('snyk_siem_forwarder_records_delivered_total{target="siem"} 0');
  });
});

describe('eventLabel', () => {
  it('keeps the known events and folds every other header value into "other"', () => {
    expect(eventLabel('project_snapshot/v0')).toBe('project_snapshot/v0');
    expect(eventLabel('ping/v0')).toBe('ping/v0');
    expect(eventLabel('project_snapshot/v1')).toBe('other');
    expect(eventLabel(`x-${'a'.repeat(500)}`)).toBe('other');
    expect(eventLabel(undefined)).toBe('other');
  });
});
