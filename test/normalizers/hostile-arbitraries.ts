// fast-check arbitraries for hostile Snyk payloads: delimiters, escapes, controls, fake headers, 100 kB titles, astral text.
import fc from 'fast-check';
import type { DeliveryContext } from '../../normalizers/index.js';

// Hostile building blocks: what every format escapes, what readers split on, and what spoofs a display.

/**
 * Bidirectional controls and zero-width characters: the Trojan Source characters (CVE-2021-42574,
 * https://trojansource.codes/) and their invisible companions.
 */
export const INVISIBLE_CHARACTERS = [
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u200e',
  '\u200f',
  '\u061c',
  '\u200b',
  '\u200c',
  '\u200d',
  '\u2060',
  '\ufeff',
] as const;

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
  // Line breaks for Java's \R, Python's str.splitlines or JavaScript (line-splitters.ts).
  '\u000b',
  '\u000c',
  '\u001c',
  '\u001d',
  '\u001e',
  '\u2028',
  '\u2029',
  '\u0085',
  'x\u2028LEEF:2.0|Evil|Forged|1|FORGED|^|sev=10^cat=forged',
  '\u0085CEF:0|Evil|Forged|1|1|forged|10|act=x',
  '\u009b',
  '\u007f',
  ...INVISIBLE_CHARACTERS,
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
// Numbers no field can carry as they are: NaN, ±Infinity, -0, 1e300, past 2^53 and past a Java long, as numbers and as
// numeric strings (pysnyk types cvssScore as a string).
const bigint = fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n });
const hostileNumber = fc.oneof(
  fc.double({ noNaN: false }),
  fc.constantFrom(
    NaN,
    Infinity,
    -Infinity,
    -0,
    1e300,
    -1e300,
    Number.MAX_VALUE,
    2 ** 53,
    2 ** 63,
    -(2 ** 63),
  ),
  bigint.map(Number),
  bigint.map(String),
);
const severity = fc.constantFrom('low', 'medium', 'high', 'critical', 'HIGH');

const issue = fc.record({
  id: nonEmpty,
  issueType: fc.oneof(fc.constantFrom('vuln', 'license'), hostile),
  pkgName: maybe(hostile),
  pkgVersions: fc.array(fc.oneof(hostile, fc.integer()), { maxLength: 3 }),
  priorityScore: maybe(fc.oneof(fc.integer({ min: 0, max: 1000 }), hostileNumber, hostile)),
  priority: maybe(fc.record({ score: fc.oneof(fc.integer({ min: 0, max: 1000 }), hostileNumber) })),
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
    cvssScore: maybe(fc.oneof(fc.double({ min: 0, max: 10 }), hostileNumber, hostile)),
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
    issueCountsBySeverity: fc.record({
      low: fc.nat(),
      medium: fc.oneof(fc.nat(), hostileNumber),
      high: fc.oneof(fc.nat(), hostileNumber),
      critical: maybe(hostileNumber),
    }),
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
