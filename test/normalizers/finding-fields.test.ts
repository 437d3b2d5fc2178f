// Everything a finding says reaches every format with room for it: test date, fix, ranges, EPSS, per-source severities, exploits.
import { describe, expect, it } from 'vitest';
import { encode, LIMITS, normalize } from '../../normalizers/index.js';
import type { Finding, NormalizedRecord } from '../../normalizers/index.js';
import { coverage } from '../../scripts/field-coverage.js';
import { ecsProblems } from './ecs-check.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

// A real capture (mrzarquon/goof) whose first issue, SNYK-JS-TYPEORM-590152, carries every newer block
// (test/fixtures/snyk/README.md); its other two issues carry none of them.
const FULL = 'project_snapshot-v0.full-issue';

type Json = Record<string, unknown>;

const LAST_TESTED = '2021-01-22T03:00:23.577Z';
const INTRODUCED = '2021-01-21T13:25:02.118Z';
const NVD_VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const SNYK_VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:H/E:F';

function records(body: Json): NormalizedRecord[] {
  return normalize(body, ctx());
}

function finding(body: Json, index = 0): Finding {
  const record = records(body)[index];
  if (record?.kind !== 'finding') throw new Error(`record ${index} is not a finding`);
  return record;
}

/** The first issue of the full fixture, to change one block at a time. */
function firstIssue(body: Json): { issueData: Json } & Json {
  const issue = (body['newIssues'] as ({ issueData: Json } & Json)[])[0];
  if (issue === undefined) throw new Error('fixture changed');
  return issue;
}

function views(record: NormalizedRecord) {
  return {
    json: JSON.parse(encode(record, 'json')) as Json,
    ecs: JSON.parse(encode(record, 'ecs')) as Json & { snyk: { issue: Json; project: Json } },
    cef: parseCef(encode(record, 'cef')).extension,
    leef: parseLeef(encode(record, 'leef')).attributes,
  };
}

// Every key the new fields use, per format: none may appear when Snyk did not send the block.
const NEW_KEYS = {
  json: [
    'project_last_tested',
    'introduced_date',
    'semver_vulnerable',
    'upgrade_path',
    'remediation',
    'epss_probability',
    'epss_percentile',
    'epss_model_version',
    'severities',
    'exploit_sources',
    'exploit_maturity_levels',
  ],
  ecsIssue: [
    'introduced_date',
    'semver_vulnerable',
    'upgrade_path',
    'remediation',
    'epss',
    'severities',
    'exploit_sources',
    'exploit_maturity_levels',
  ],
  cef: [
    'flexDate1',
    'flexDate1Label',
    'cfp2',
    'cfp2Label',
    'cfp3',
    'cfp3Label',
    'snykIntroducedDate',
    'snykVulnerableVersions',
    'snykUpgradePath',
    'snykRemediation',
    'snykEpssModel',
    'snykSeverities',
    'snykExploitSources',
    'snykExploitMaturityLevels',
  ],
  leef: [
    'projectLastTested',
    'introducedDate',
    'semverVulnerable',
    'upgradePath',
    'remediation',
    'epssProbability',
    'epssPercentile',
    'epssModelVersion',
    'severities',
    'exploitSources',
    'exploitMaturityLevels',
  ],
} as const;

describe('a finding with every block', () => {
  const record = finding(fixture(FULL));
  const { json, ecs, cef, leef } = views(record);

  it('says when Snyk tested the project, as a date in every format', () => {
    expect(json['project_last_tested']).toBe(LAST_TESTED);
    expect(ecs.snyk.project['last_tested']).toBe(LAST_TESTED);
    expect(cef.get('flexDate1Label')).toBe('Last Tested');
    expect(cef.get('flexDate1')).toBe(String(Date.parse(LAST_TESTED)));
    expect(leef.get('projectLastTested')).toBe(LAST_TESTED);
  });

  it('says which version fixes it in every format, CEF included, not only that a fix exists', () => {
    expect(json['fixed_in']).toEqual(['0.2.25']);
    expect(ecs.snyk.issue['fixed_in']).toEqual(['0.2.25']);
    expect([cef.get('cs6Label'), cef.get('cs6'), cef.get('cn2')]).toEqual(['Fixed In', '0.2.25', '1']);
    expect(leef.get('fixedIn')).toBe('0.2.25');
  });

  it('carries the upgrade path and the project remediation that names the issue', () => {
    const step = 'upgrade typeorm@0.2.24 to typeorm@0.2.25';
    expect([json['upgrade_path'], json['remediation']]).toEqual([['typeorm@0.2.25'], [step]]);
    expect([ecs.snyk.issue['upgrade_path'], ecs.snyk.issue['remediation']]).toEqual([
      ['typeorm@0.2.25'],
      [step],
    ]);
    expect([cef.get('snykUpgradePath'), cef.get('snykRemediation')]).toEqual(['typeorm@0.2.25', step]);
    expect([leef.get('upgradePath'), leef.get('remediation')]).toEqual(['typeorm@0.2.25', step]);
  });

  it('carries the vulnerable ranges and when the issue was introduced', () => {
    expect([json['semver_vulnerable'], json['introduced_date']]).toEqual([['<0.2.25'], INTRODUCED]);
    expect([ecs.snyk.issue['semver_vulnerable'], ecs.snyk.issue['introduced_date']]).toEqual([
      ['<0.2.25'],
      INTRODUCED,
    ]);
    expect([cef.get('snykVulnerableVersions'), cef.get('snykIntroducedDate')]).toEqual([
      '<0.2.25',
      INTRODUCED,
    ]);
    expect([leef.get('semverVulnerable'), leef.get('introducedDate')]).toEqual(['<0.2.25', INTRODUCED]);
  });

  it('carries EPSS as numbers where the format has numbers', () => {
    expect([json['epss_probability'], json['epss_percentile'], json['epss_model_version']]).toEqual([
      0.00998,
      0.81425,
      'v2025.03.14',
    ]);
    expect(ecs.snyk.issue['epss']).toEqual({
      probability: 0.00998,
      percentile: 0.81425,
      model_version: 'v2025.03.14',
    });
    expect([cef.get('cfp2Label'), cef.get('cfp2'), cef.get('cfp3Label'), cef.get('cfp3')]).toEqual([
      'EPSS Probability',
      '0.00998',
      'EPSS Percentile',
      '0.81425',
    ]);
    expect(cef.get('snykEpssModel')).toBe('v2025.03.14');
    expect([leef.get('epssProbability'), leef.get('epssPercentile'), leef.get('epssModelVersion')]).toEqual([
      '0.00998',
      '0.81425',
      'v2025.03.14',
    ]);
  });

  it('carries each source’s severity and CVSS rating: objects in ECS, one text per source elsewhere', () => {
    expect(ecs.snyk.issue['severities']).toEqual([
      { source: 'Snyk', level: 'high', score: 8.3, vector: SNYK_VECTOR, version: '3.1' },
      { source: 'NVD', level: 'critical', score: 9.8, vector: NVD_VECTOR, version: '3.1' },
    ]);
    const texts = [`Snyk: high 8.3 ${SNYK_VECTOR}`, `NVD: critical 9.8 ${NVD_VECTOR}`];
    expect(json['severities']).toEqual(texts);
    expect(cef.get('snykSeverities')).toBe(texts.join(', '));
    expect(leef.get('severities')).toBe(texts.join(', '));
  });

  it('carries the exploit sources and maturity levels', () => {
    expect([json['exploit_sources'], json['exploit_maturity_levels']]).toEqual([
      ['Snyk', 'ExploitDB'],
      ['CVSSv3: Functional', 'CVSSv4: Attacked'],
    ]);
    expect(ecs.snyk.issue['exploit_sources']).toEqual(['Snyk', 'ExploitDB']);
    expect(ecs.snyk.issue['exploit_maturity_levels']).toEqual([
      { format: 'CVSSv3', level: 'Functional' },
      { format: 'CVSSv4', level: 'Attacked' },
    ]);
    expect([cef.get('snykExploitSources'), cef.get('snykExploitMaturityLevels')]).toEqual([
      'Snyk, ExploitDB',
      'CVSSv3: Functional, CVSSv4: Attacked',
    ]);
    expect([leef.get('exploitSources'), leef.get('exploitMaturityLevels')]).toEqual([
      'Snyk, ExploitDB',
      'CVSSv3: Functional, CVSSv4: Attacked',
    ]);
  });

  it('gives CEF the fix flags, language and origin it lacked, and says the package is not malicious', () => {
    const keys = [
      'snykUpgradable',
      'snykPatchable',
      'snykPinnable',
      'snykFixable',
      'snykPartiallyFixable',
      'snykLanguage',
      'snykProjectOrigin',
    ];
    expect(keys.map((k) => cef.get(k))).toEqual(['true', 'false', 'false', 'true', 'true', 'js', 'github']);
    expect(cef.get('snykMaliciousPackage')).toBe('false');
  });

  it('is still a valid ECS 9.4 document: the new fields are all under snyk.*', () => {
    expect(ecsProblems(ecs)).toEqual([]);
  });

  it('leaves no field of the coverage table out of any format', () => {
    const missing = coverage().flatMap((row) =>
      Object.entries(row.carried)
        .filter(([, carried]) => !carried)
        .map(([format]) => `${row.field} in ${format}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('blocks Snyk did not send', () => {
  /** A copy of `o` without `keys`. */
  const drop = (o: Json, keys: readonly string[]): Json =>
    Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

  function withoutBlocks(): Json {
    const body = fixture(FULL);
    body['project'] = drop(body['project'] as Json, ['lastTestedDate', 'remediation']);
    body['newIssues'] = (body['newIssues'] as ({ issueData: Json } & Json)[]).map((issue) => ({
      ...drop(issue, ['upgradePath', 'introducedDate']),
      issueData: drop(issue.issueData, ['semver', 'epssDetails', 'severities', 'exploitDetails']),
    }));
    return body;
  }

  it('leave no key, empty or not, in any format, on findings and on the summary', () => {
    for (const record of records(withoutBlocks())) {
      const { json, ecs, cef, leef } = views(record);
      expect(NEW_KEYS.json.filter((k) => k in json)).toEqual([]);
      const issue = ((ecs.snyk as Json)['issue'] ?? {}) as Json;
      expect(NEW_KEYS.ecsIssue.filter((k) => k in issue)).toEqual([]);
      expect('last_tested' in ecs.snyk.project).toBe(false);
      expect(NEW_KEYS.cef.filter((k) => cef.has(k))).toEqual([]);
      expect(NEW_KEYS.leef.filter((k) => leef.has(k))).toEqual([]);
    }
  });

  it('stay absent on the issues of the capture that never had them', () => {
    const record = finding(fixture(FULL), 1);
    const { json, cef } = views(record);
    // The braces issue has real vulnerable ranges, nothing else new; the project's remediation names another issue.
    expect(NEW_KEYS.json.filter((k) => k in json)).toEqual(['project_last_tested', 'semver_vulnerable']);
    expect(NEW_KEYS.cef.filter((k) => cef.has(k))).toEqual([
      'flexDate1',
      'flexDate1Label',
      'snykVulnerableVersions',
    ]);
  });
});

describe('malformed blocks', () => {
  it('never reject the payload, and are dropped whole or in part', () => {
    const body = fixture(FULL);
    (body['project'] as Json)['lastTestedDate'] = 'yesterday';
    (body['project'] as Json)['remediation'] = { upgrade: ['not', 'an', 'object'], pin: 'x', patch: 7 };
    const issue = firstIssue(body);
    issue['upgradePath'] = [false, null, { a: 1 }];
    issue['introducedDate'] = 20210121;
    issue.issueData['semver'] = 'not an object';
    issue.issueData['epssDetails'] = 'high';
    issue.issueData['exploitDetails'] = [];
    issue.issueData['severities'] = [
      null,
      'NVD',
      { assigner: 5, severity: 'high', baseScore: '9.8', vector: {} },
    ];
    const record = finding(body);
    expect(record.project?.lastTested).toBeUndefined();
    const i = record.issue;
    expect([i.upgradePath, i.remediation, i.introducedDate, i.semverVulnerable, i.epss]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect([i.exploitSources, i.exploitMaturityLevels]).toEqual([undefined, undefined]);
    // The one usable entry keeps what is usable: a numeric string is a number (pysnyk writes scores as text).
    expect(i.severities).toEqual([{ level: 'high', score: 9.8 }]);
    expect(views(record).json['severities']).toEqual(['high 9.8']);
  });

  it('skip exploit maturity entries without a level (Snyk sends "" when it has none)', () => {
    const body = fixture(FULL);
    firstIssue(body).issueData['exploitDetails'] = {
      sources: [],
      maturityLevels: [
        { format: '', level: '', type: 'secondary' },
        { format: 'CVSSv4', level: 'Attacked', type: 'primary' },
      ],
    };
    const { json, cef } = views(finding(body));
    expect(json['exploit_maturity_levels']).toEqual(['CVSSv4: Attacked']);
    expect('exploit_sources' in json).toBe(false);
    expect(cef.has('snykExploitSources')).toBe(false);
  });

  it('drop numbers outside their range and name them, keeping the rest of the block', () => {
    const body = fixture(FULL);
    const data = firstIssue(body).issueData;
    data['epssDetails'] = { probability: 1.5, percentile: Infinity, modelVersion: 'v2025.03.14' };
    data['severities'] = [{ assigner: 'NVD', severity: 'critical', baseScore: 98, vector: NVD_VECTOR }];
    const { json, ecs, cef } = views(finding(body));
    expect(json['dropped_fields']).toEqual(['epss_probability', 'epss_percentile', 'severities_score']);
    expect('epss_probability' in json).toBe(false);
    expect(json['epss_model_version']).toBe('v2025.03.14');
    expect(ecs.snyk.issue['epss']).toEqual({ model_version: 'v2025.03.14' });
    expect(json['severities']).toEqual([`NVD: critical ${NVD_VECTOR}`]);
    expect([cef.has('cfp2'), cef.has('cfp2Label'), cef.has('cfp3')]).toEqual([false, false, false]);
  });
});

describe('project remediation', () => {
  it('gives each finding the upgrade, pin and patch steps that name its issue, and no other', () => {
    const body = fixture(FULL);
    (body['project'] as Json)['remediation'] = {
      upgrade: {
        'typeorm@0.2.24': {
          upgradeTo: 'typeorm@0.2.25',
          upgrades: ['typeorm@0.2.24'],
          vulns: ['SNYK-JS-TYPEORM-590152'],
        },
      },
      pin: {
        'braces@1.8.5': {
          upgradeTo: 'braces@2.3.1',
          vulns: ['npm:braces:20180219', 'SNYK-JS-TYPEORM-590152'],
        },
      },
      patch: { 'npm:ms:20151024': { paths: [] } },
    };
    const steps = records(body)
      .filter((r): r is Finding => r.kind === 'finding')
      .map((f) => [f.issue.id, f.issue.remediation]);
    expect(steps).toEqual([
      [
        'SNYK-JS-TYPEORM-590152',
        ['upgrade typeorm@0.2.24 to typeorm@0.2.25', 'pin braces@1.8.5 to braces@2.3.1'],
      ],
      ['npm:braces:20180219', ['pin braces@1.8.5 to braces@2.3.1']],
      ['npm:ms:20151024', ['patch']],
    ]);
  });
});

describe('list limits', () => {
  it('keep the first per-list-limit sources and count the rest in every format', () => {
    const body = fixture(FULL);
    firstIssue(body).issueData['severities'] = Array.from({ length: LIMITS.itemsPerList + 2 }, (_, n) => ({
      assigner: `source-${n}`,
      severity: 'high',
    }));
    const record = finding(body);
    const { json, ecs, cef, leef } = views(record);
    expect((json['severities'] as unknown[]).length).toBe(LIMITS.itemsPerList);
    expect(json['severities_omitted']).toBe(2);
    expect(ecs.snyk.issue['severities_omitted']).toBe(2);
    expect(cef.get('snykOmitted')).toBe('severities:2');
    expect(leef.get('severitiesOmitted')).toBe('2');
  });
});

describe('project remediation, repeated on every finding it names', () => {
  it('is bounded per finding like the project context, and what is left out is counted', () => {
    const body = fixture(FULL);
    const entries = 1_000;
    const upgrade: Json = {};
    for (let n = 0; n < entries; n += 1) {
      upgrade[`${'direct-dependency-with-a-long-name'.padEnd(90, '-')}${n}@1.0.0`] = {
        upgradeTo: `direct@${n}.0.0`,
        vulns: ['SNYK-JS-TYPEORM-590152'],
      };
    }
    (body['project'] as Json)['remediation'] = { upgrade };
    const json = views(finding(body)).json;
    const steps = json['remediation'] as string[];
    // 1,000 steps of ~120 characters: more than the 32,768 characters one finding of a small delivery may carry.
    expect(steps.join('').length).toBeLessThanOrEqual(LIMITS.contextPerRecordMax);
    expect(steps.length).toBeGreaterThan(100);
    expect(steps.length + (json['remediation_omitted'] as number)).toBe(entries);
  });
});

describe('the summary record', () => {
  it('says when Snyk tested the project, in every format', () => {
    const summary = records(fixture(FULL)).at(-1);
    if (summary?.kind !== 'summary') throw new Error('no summary');
    const { json, ecs, cef, leef } = views(summary);
    expect([
      json['project_last_tested'],
      ecs.snyk.project['last_tested'],
      leef.get('projectLastTested'),
    ]).toEqual([LAST_TESTED, LAST_TESTED, LAST_TESTED]);
    expect([cef.get('flexDate1Label'), cef.get('flexDate1')]).toEqual([
      'Last Tested',
      String(Date.parse(LAST_TESTED)),
    ]);
  });
});
