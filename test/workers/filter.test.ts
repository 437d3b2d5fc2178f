// Target filters: severity floor, actions, and org and project include and exclude lists.
import { describe, expect, it } from 'vitest';
import type { RecordFacets } from '../../normalizers/index.js';
import { passesFilter } from '../../src/workers/filter.js';

const finding = (over: Partial<RecordFacets> = {}): RecordFacets => ({
  recordId: 'r1',
  kind: 'finding',
  action: 'issue_introduced',
  severity: 'high',
  time: '2026-01-01T00:00:00.000Z',
  org: { id: 'org-1', name: 'Payments', slug: 'payments' },
  project: { id: 'prj-1', name: 'acme/api:package.json' },
  ...over,
});
const summary = finding({ kind: 'summary', action: 'snapshot', severity: undefined });

describe('passesFilter', () => {
  it('passes everything with an empty filter', () => {
    expect(passesFilter(finding(), {})).toBe(true);
    expect(passesFilter(summary, {})).toBe(true);
  });

  it('drops findings below minSeverity, never summaries', () => {
    expect(passesFilter(finding({ severity: 'medium' }), { minSeverity: 'high' })).toBe(false);
    expect(passesFilter(finding({ severity: 'critical' }), { minSeverity: 'high' })).toBe(true);
    expect(passesFilter(summary, { minSeverity: 'critical' })).toBe(true);
  });

  it('keeps only the listed actions', () => {
    expect(passesFilter(finding(), { actions: ['resolved'] })).toBe(false);
    expect(passesFilter(finding({ action: 'issue_resolved' }), { actions: ['resolved'] })).toBe(true);
    expect(passesFilter(summary, { actions: ['introduced', 'resolved'] })).toBe(false);
    expect(passesFilter(summary, { actions: ['summary'] })).toBe(true);
  });

  it('matches orgs by id, slug or name and projects by id or name', () => {
    expect(passesFilter(finding(), { includeOrgs: ['payments'] })).toBe(true);
    expect(passesFilter(finding(), { includeOrgs: ['Payments'] })).toBe(true);
    expect(passesFilter(finding(), { includeOrgs: ['other'] })).toBe(false);
    expect(passesFilter(finding(), { excludeOrgs: ['org-1'] })).toBe(false);
    expect(passesFilter(finding(), { includeProjects: ['acme/api:package.json'] })).toBe(true);
    expect(passesFilter(finding(), { excludeProjects: ['prj-1'] })).toBe(false);
    expect(passesFilter(finding({ org: undefined }), { includeOrgs: ['payments'] })).toBe(false);
  });
});
