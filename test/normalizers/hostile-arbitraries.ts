// fast-check arbitraries for hostile Snyk payloads: delimiters, escapes, controls, fake headers, 100 kB titles, astral text.
import fc from 'fast-check';
import type { DeliveryContext } from '../../normalizers/index.js';

// Hostile building blocks named in the acceptance list, plus a few more.
const FRAGMENTS = [
  '|',
  '=',
  '\\',
  '\r',
  '\n',
  '\r\n',
  '\u0000',
  '\t',
  '\u001b[31m',
  '\u001b]0;pwned\u0007',
  'CEF:0|',
  'LEEF:2.0|',
  '^',
  ' ',
  '   ',
  'x=y',
  ' act=forged',
  '\\=',
  '\\n',
  '%',
  '#',
  '"',
  "'",
  '<',
  '😀',
  '\ud83d',
  '\ude00',
  '\u2028',
  '\u2029',
  '\u0085',
  '\u009b',
  '\u007f',
  '\ufeff',
  '\u202e',
  'é',
  'a',
  'Z',
  '9',
  '-',
  ':',
  '/',
  '{}',
  '__proto__',
];
const fragmentString = fc
  .array(fc.constantFrom(...FRAGMENTS), { maxLength: 12 })
  .map((parts) => parts.join(''));
const hostile = fc.oneof(
  { weight: 6, arbitrary: fragmentString },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
);
const nonEmpty = hostile.filter((s) => s !== '');
// One title in fifty is about 100 kB.
const title = fc.oneof(
  { weight: 49, arbitrary: hostile },
  { weight: 1, arbitrary: fragmentString.map((s) => 'T'.repeat(100_000) + s) },
);
const description = fc.oneof(
  { weight: 9, arbitrary: hostile },
  { weight: 1, arbitrary: fragmentString.map((s) => `${s}\n`.repeat(200)) },
);
const maybe = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const severity = fc.constantFrom('low', 'medium', 'high', 'critical', 'HIGH');

const issue = fc.record({
  id: nonEmpty,
  issueType: fc.oneof(fc.constantFrom('vuln', 'license'), hostile),
  pkgName: maybe(hostile),
  pkgVersions: fc.array(fc.oneof(hostile, fc.integer()), { maxLength: 3 }),
  priorityScore: maybe(fc.oneof(fc.integer({ min: 0, max: 1000 }), hostile)),
  issueData: fc.record({
    id: maybe(hostile),
    title,
    severity,
    url: maybe(hostile),
    description: maybe(description),
    identifiers: fc.record({
      CVE: fc.array(hostile, { maxLength: 3 }),
      CWE: fc.array(hostile, { maxLength: 2 }),
      GHSA: fc.array(hostile, { maxLength: 2 }),
      NSP: fc.array(fc.oneof(fc.integer(), hostile), { maxLength: 2 }),
    }),
    exploitMaturity: maybe(hostile),
    publicationTime: maybe(fc.oneof(hostile, fc.constant('2022-06-29T10:29:38.471739Z'))),
    disclosureTime: maybe(hostile),
    CVSSv3: maybe(fc.oneof(hostile, fc.constant('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L'))),
    cvssScore: maybe(fc.oneof(fc.double({ noNaN: false }), hostile)),
    language: maybe(hostile),
    isMaliciousPackage: maybe(fc.boolean()),
  }),
  isPatched: maybe(fc.boolean()),
  isIgnored: maybe(fc.boolean()),
  fixInfo: fc.record({
    isUpgradable: fc.boolean(),
    isPatchable: fc.boolean(),
    fixedIn: fc.array(hostile, { maxLength: 2 }),
    nearestFixedInVersion: maybe(hostile),
  }),
});

export const hostilePayload = fc.record({
  project: fc.record({
    id: nonEmpty,
    name: maybe(hostile),
    type: fc.oneof(fc.constantFrom('npm', 'maven', 'pip', 'deb', 'apk', 'linux'), hostile),
    origin: maybe(hostile),
    branch: maybe(hostile),
    browseUrl: maybe(hostile),
    imageId: maybe(hostile),
    imageTag: maybe(hostile),
    issueCountsBySeverity: fc.record({ low: fc.nat(), medium: fc.nat(), high: fc.nat() }),
    tags: fc.array(fc.record({ key: hostile, value: hostile }), { maxLength: 2 }),
  }),
  org: fc.record({
    id: maybe(hostile),
    name: maybe(hostile),
    slug: maybe(hostile),
    group: fc.oneof(fc.constant(null), fc.record({ id: hostile, name: hostile })),
  }),
  newIssues: fc.array(issue, { maxLength: 3 }),
  removedIssues: maybe(fc.array(issue, { maxLength: 2 })),
});

export const hostileContext = fc.record({
  event: fc.constant('project_snapshot/v0'),
  transportId: nonEmpty,
  snykTimestamp: maybe(fc.oneof(hostile, fc.constant('2026-11-20T08:15:30.123Z'))),
  receivedAt: fc.constant('2026-11-20T08:15:31.002Z'),
  payloadBytes: fc.nat(),
}) satisfies fc.Arbitrary<DeliveryContext>;
