// The four formats agree: image fields only for containers, no lone surrogates, no empty package, record id up front.
import { describe, expect, it } from 'vitest';
import { encode, normalize } from '../../normalizers/index.js';
import type { Finding, NormalizedRecord } from '../../normalizers/index.js';
import { ctx, fixture } from './helpers.js';
import { parseCef } from './parsers/cef-parse.js';
import { parseLeef } from './parsers/leef-parse.js';

// An npm project that carries imageTag "12.3.0" (a package version: Snyk sends imageTag for every project type).
const POSTMAN = 'project_snapshot-v0.snyk-docs-slack-lambda-postman';
// The documented project with every image field (imageId, imageTag, imageBaseImage, imagePlatform, imageCluster).
const ASSEMBLED = 'project_snapshot-v0.snyk-docs-fragments-ASSEMBLED';

type Json = Record<string, unknown>;

function firstFinding(body: Json): Finding {
  const record = normalize(body, ctx())[0];
  if (record?.kind !== 'finding') throw new Error('expected a finding');
  return record;
}

function withType(name: string, type: string): Json {
  const body = fixture(name);
  (body['project'] as Json)['type'] = type;
  return body;
}

/** The image fields each format writes for a record. */
function imageFields(record: NormalizedRecord): Json {
  const json = JSON.parse(encode(record, 'json')) as Json;
  const ecs = JSON.parse(encode(record, 'ecs')) as { container?: unknown; snyk: { project?: Json } };
  const leef = parseLeef(encode(record, 'leef')).attributes;
  const cef = parseCef(encode(record, 'cef')).extension;
  return {
    json: Object.keys(json).filter((k) => k.startsWith('project_image_')),
    ecsContainer: ecs.container,
    ecsSnyk: Object.keys(ecs.snyk.project ?? {}).filter((k) => k.startsWith('image_')),
    leef: [...leef.keys()].filter((k) => k.startsWith('projectImage')),
    cef: [...cef.keys()].filter((k) => k.startsWith('snykImage')),
  };
}

describe('image fields', () => {
  it.each([
    ['npm', POSTMAN],
    ['maven', ASSEMBLED],
  ])('are in no format for a %s project, though Snyk sends imageTag', (_, name) => {
    const record = firstFinding(fixture(name));
    expect((fixture(name)['project'] as Json)['imageTag']).toBeTypeOf('string');
    expect(imageFields(record)).toEqual({
      json: [],
      ecsContainer: undefined,
      ecsSnyk: [],
      leef: [],
      cef: [],
    });
  });

  it('are in every format for a container project', () => {
    const record = firstFinding(withType(ASSEMBLED, 'deb'));
    expect(imageFields(record)).toEqual({
      json: [
        'project_image_id',
        'project_image_tag',
        'project_image_base_image',
        'project_image_platform',
        'project_image_cluster',
      ],
      ecsContainer: {
        image: { name: 'snyk/goof', tag: ['latest'], hash: { all: [expect.stringMatching(/^sha256:/)] } },
      },
      ecsSnyk: ['image_id', 'image_tag', 'image_base_image', 'image_platform', 'image_cluster'],
      leef: [
        'projectImageId',
        'projectImageTag',
        'projectImageBaseImage',
        'projectImagePlatform',
        'projectImageCluster',
      ],
      cef: ['snykImageTag'],
    });
  });
});

describe('lone UTF-16 surrogates', () => {
  it('become U+FFFD in JSON and ECS, as in CEF and LEEF, so strict UTF-8 readers accept the line', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as { issueData: Json }[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    issue.issueData['title'] = 'a\ud800b\udc00c😀\\ud800';
    const record = firstFinding(body);
    const expected = 'a\ufffdb\ufffdc😀\\ud800';
    for (const format of ['json', 'ecs'] as const) {
      const line = encode(record, format);
      // Only the escaped backslash of the literal text `\ud800` may precede "ud8".
      expect(line.match(/(?<!\\)(?:\\\\)*\\ud[89a-f]/gi), format).toBeNull();
      expect(Buffer.from(line, 'utf8').toString('utf8')).toBe(line);
    }
    expect((JSON.parse(encode(record, 'json')) as Json)['issue_title']).toBe(expected);
    const ecs = JSON.parse(encode(record, 'ecs')) as { snyk: { issue: Json } };
    expect(ecs.snyk.issue['title']).toBe(expected);
    expect(parseCef(encode(record, 'cef')).name).toBe(expected);
    expect(parseLeef(encode(record, 'leef')).attributes.get('issueTitle')).toBe(expected);
  });
});

describe('ECS package fields', () => {
  it('are absent for a finding without a package, whatever the project type', () => {
    const body = withType(ASSEMBLED, 'k8sconfig');
    const issue = (body['newIssues'] as Json[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    delete issue['pkgName'];
    delete issue['pkgVersions'];
    const doc = JSON.parse(encode(firstFinding(body), 'ecs')) as Json;
    expect(doc).not.toHaveProperty('package');
  });

  it('carry the project type along with the package when there is one', () => {
    const doc = JSON.parse(encode(firstFinding(fixture(POSTMAN)), 'ecs')) as Json;
    expect(doc['package']).toEqual({ name: 'scss-tokenizer', version: '0.2.3', type: 'npm' });
  });
});

describe('CEF key order', () => {
  it('puts externalId first, so a relay that cuts the line keeps the record id', () => {
    for (const record of normalize(fixture(ASSEMBLED), ctx({ event: 'project_snapshot/v0' }))) {
      // The extension follows the header's last field, the severity.
      expect(encode(record, 'cef')).toMatch(
        new RegExp(`\\|(?:1|3|5|8|10)\\|externalId=${record.recordId} rt=`),
      );
    }
    const generic = normalize(fixture(POSTMAN), ctx({ event: 'project_created/v0' }))[0];
    if (generic === undefined) throw new Error('no record');
    expect(encode(generic, 'cef')).toContain(`|1|externalId=${generic.recordId} rt=`);
  });

  it('ends every kind of record with a number, so no trailing space of a text value is lost', () => {
    const body = fixture(POSTMAN);
    const issue = (body['newIssues'] as { issueData: Json }[])[0];
    if (issue === undefined) throw new Error('fixture changed');
    issue.issueData['description'] = 'ends with spaces   ';
    const records = [
      ...normalize(body, ctx({ transportId: 'transport ends with a space ' })),
      ...normalize(body, ctx({ event: 'project_created/v0', transportId: 'x ' })),
    ];
    expect(records.map((r) => r.kind)).toEqual(['finding', 'summary', 'generic']);
    for (const record of records) {
      const line = encode(record, 'cef');
      expect(line).toMatch(/ cn\d=\d+$/);
      const ext = parseCef(line).extension;
      expect(ext.get('snykTransportId')).toBe(record.delivery.transportId);
      if (record.kind === 'finding') expect(ext.get('msg')).toBe('ends with spaces   ');
    }
  });
});
