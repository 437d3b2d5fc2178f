// The records SIEM content is checked against: every real fixture, and the same deliveries at each Snyk severity.
import { createHash } from 'node:crypto';
import { normalize, SEVERITIES, type NormalizedRecord, type Severity } from '../../normalizers/index.js';
import { GOLDEN_CASES, readFixture } from '../normalizers/golden-cases.js';

// The real payloads (test/fixtures/snyk) hold no critical issue, yet searches and the CIM mapping must hold for every
// severity Snyk sends. So each real delivery is also replayed with all its issues set to one severity: real records in
// every other respect, as a SIEM would receive them.

function realBodies(): { body: unknown; context: (typeof GOLDEN_CASES)[number]['context'] }[] {
  return GOLDEN_CASES.map((c) => ({
    body: c.body ? c.body(readFixture(c.fixture).json) : readFixture(c.fixture).json,
    context: c.context,
  }));
}

/** Every record of every real fixture, as the golden files hold them. */
export function realRecords(): NormalizedRecord[] {
  return realBodies().flatMap(({ body, context }) => normalize(body, context));
}

function withSeverity(body: unknown, severity: Severity): unknown {
  const copy = structuredClone(body) as Record<string, unknown>;
  for (const list of ['newIssues', 'removedIssues']) {
    const issues = copy[list];
    if (!Array.isArray(issues)) continue;
    for (const issue of issues as { issueData?: { severity?: string } }[]) {
      if (issue.issueData !== undefined) issue.issueData.severity = severity;
    }
  }
  return copy;
}

/** The real deliveries again, with every issue at each severity in turn (new bodies, so new record ids). */
export function severityVariants(): NormalizedRecord[] {
  return realBodies().flatMap(({ body, context }) =>
    SEVERITIES.flatMap((severity) => {
      const variant = withSeverity(body, severity);
      const text = JSON.stringify(variant);
      return normalize(variant, {
        ...context,
        payloadBytes: Buffer.byteLength(text),
        bodySha256: createHash('sha256').update(text).digest('hex'),
      });
    }),
  );
}

/** Real records and their severity variants. */
export function corpus(): NormalizedRecord[] {
  return [...realRecords(), ...severityVariants()];
}

/**
 * Real deliveries reshaped the way other projects make them, to tell a finding's identity apart: the same issues in a
 * second project (one delivery per project is how Snyk sends them), and one issue listed for two packages (what Snyk
 * does for container projects, once per binary package of a source package, e.g. `openssl/libssl3`).
 */
export function identityVariants(): { otherProject: NormalizedRecord[]; twoPackages: NormalizedRecord[] } {
  const base = realBodies().find(({ body }) =>
    JSON.stringify(body).includes('"mrzarquon/goof:package.json"'),
  );
  if (base === undefined) throw new Error('the mrzarquon fixture is missing');
  const variant = (change: (body: Record<string, unknown>) => void): NormalizedRecord[] => {
    const body = structuredClone(base.body) as Record<string, unknown>;
    change(body);
    const text = JSON.stringify(body);
    return normalize(body, {
      ...base.context,
      payloadBytes: Buffer.byteLength(text),
      bodySha256: createHash('sha256').update(text).digest('hex'),
    });
  };
  const otherProject = variant((body) => {
    body['project'] = {
      ...(body['project'] as object),
      id: '0f5e8c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b',
      name: 'mrzarquon/goof-fork:package.json',
    };
  });
  const twoPackages = variant((body) => {
    const issues = body['newIssues'] as { pkgName: string }[];
    const first = issues[0];
    if (first !== undefined) issues.push({ ...structuredClone(first), pkgName: `${first.pkgName}-binary` });
  });
  return { otherProject, twoPackages };
}
