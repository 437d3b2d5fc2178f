// A local fake of Snyk's REST API (JSON:API) for reconciliation: projects and issues built from public webhook samples.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The contract, from Snyk's REST docs (https://docs.snyk.io/snyk-api/rest-api/about-the-rest-api) and the Issues and
 * Projects references:
 *   GET /rest/orgs/{org_id}/issues?version=…&limit=…[&starting_after=…][&status=open|resolved]
 *       [&updated_after=…][&updated_before=…][&scan_item.id=…&scan_item.type=project]
 *   GET /rest/orgs/{org_id}/projects?version=…&limit=…&meta.latest_issue_counts=true[&starting_after=…]
 * `version=YYYY-MM-DD` is required (400 without it; the issues endpoints are GA from 2024-01-23); `limit` is 10 to 100
 * in steps of 10; pages link the next one through `links.next`, which carries an opaque `starting_after`. Above the
 * rate limit Snyk answers 429 until requests stop for the interval; a request sent before a Retry-After has passed is
 * a contract breach here. The issue shape follows Snyk's v1 → REST migration guide (reference snyk-api.md).
 */
export interface RestProject {
  id: string;
  name?: string;
  type?: string;
  origin?: string;
  branch?: string;
  /** meta.latest_issue_counts.updated_at: when Snyk last tested it. */
  testedAt: string;
}

export interface RestIssueSeed {
  projectId: string;
  /** The webhook issue object (an element of newIssues) the REST issue is built from. */
  webhookIssue: Record<string, unknown>;
  status: 'open' | 'resolved';
  createdAt: string;
  updatedAt: string;
}

export interface RecordedRestRequest {
  path: string;
  query: URLSearchParams;
  at: number;
}

/** An answer to give instead of the normal one, to the next `times` requests whose path matches. */
export interface RestFault {
  status: number;
  retryAfter?: string;
  times: number;
  pathIncludes?: string;
  /** Matching requests answered normally before the fault starts. */
  after?: number;
}

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function uuidOf(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The REST form of one webhook issue, per Snyk's v1 → REST mapping. */
export function restIssueOf(org: string, seed: RestIssueSeed): Json {
  const issue = seed.webhookIssue;
  const data = (issue['issueData'] ?? {}) as Json;
  const fix = (issue['fixInfo'] ?? {}) as Json;
  const identifiers = (data['identifiers'] ?? {}) as Json;
  const id = str(issue['id']) ?? str(data['id']) ?? '';
  const list = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  const versions = list(issue['pkgVersions']);
  const problems: Json[] = [{ id, source: 'SNYK', type: 'vulnerability', url: str(data['url']) }];
  for (const cve of list(identifiers['CVE']))
    problems.push({ id: cve, source: 'NVD', type: 'vulnerability' });
  const attributes: Json = {
    key: `${id}:${str(issue['pkgName']) ?? ''}:${versions.join(',')}`,
    title: str(data['title']),
    type: issue['issueType'] === 'license' ? 'license' : 'package_vulnerability',
    status: seed.status,
    effective_severity_level: str(data['severity']),
    ignored: issue['isIgnored'] === true,
    created_at: seed.createdAt,
    updated_at: seed.updatedAt,
    problems,
    coordinates: [
      {
        is_upgradeable: fix['isUpgradable'] === true,
        is_patchable: fix['isPatchable'] === true,
        is_pinnable: fix['isPinnable'] === true,
        representations: versions.map((version) => ({
          dependency: { package_name: str(issue['pkgName']), package_version: version },
        })),
      },
    ],
    classes: list(identifiers['CWE']).map((cwe) => ({ id: cwe, source: 'CWE', type: 'weakness' })),
    severities:
      typeof data['cvssScore'] === 'number'
        ? [
            {
              source: 'Snyk',
              level: str(data['severity']),
              score: data['cvssScore'],
              vector: str(data['CVSSv3']),
            },
          ]
        : [],
  };
  const priority = (issue['priority'] as Json | undefined)?.['score'] ?? issue['priorityScore'];
  if (typeof priority === 'number') attributes['risk'] = { score: { model: 'v1', value: priority } };
  if (seed.status === 'resolved') attributes['resolution'] = { type: 'fixed', resolved_at: seed.updatedAt };
  return {
    id: uuidOf(`${seed.projectId}:${id}:${versions.join(',')}`),
    type: 'issue',
    attributes,
    relationships: {
      organization: { data: { id: org, type: 'organization' } },
      scan_item: { data: { id: seed.projectId, type: 'project' } },
    },
  };
}

/** The parts of a project_snapshot body the peer is seeded from. */
export interface SnapshotSeed {
  project: { id: string; name: string; type?: string; origin?: string };
  newIssues: Array<Record<string, unknown>>;
}

/**
 * Seeds the peer as Snyk's REST API would look after the test of a snapshot's project: the project, last tested
 * `at`, and each of its new issues open since then. `projectId` overrides the snapshot's (to list it again elsewhere).
 */
export function seedFromSnapshot(
  peer: Pick<SnykRestPeer, 'addProject' | 'addIssue'>,
  org: string,
  body: SnapshotSeed,
  at: string,
  projectId = body.project.id,
): void {
  const { name, type, origin } = body.project;
  peer.addProject(org, {
    id: projectId,
    name,
    ...(type !== undefined ? { type } : {}),
    ...(origin !== undefined ? { origin } : {}),
    testedAt: at,
  });
  for (const issue of body.newIssues)
    peer.addIssue(org, { projectId, webhookIssue: issue, status: 'open', createdAt: at, updatedAt: at });
}

export interface SnykRestPeerOptions {
  token: string;
  /** The most items a page holds, whatever `limit` asks: small pages make pagination visible with few issues. */
  pageSize?: number;
}

export class SnykRestPeer {
  readonly requests: RecordedRestRequest[] = [];
  /** Requests that broke the contract: a correct client leaves this empty. */
  readonly problems: string[] = [];
  readonly projects = new Map<string, RestProject[]>();
  readonly issues = new Map<string, RestIssueSeed[]>();
  private readonly faults: RestFault[] = [];
  /** Until when (epoch ms) a Retry-After told the client to wait. */
  private penaltyUntil = 0;
  private server: http.Server | undefined;
  url = '';

  constructor(private readonly options: SnykRestPeerOptions) {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  addProject(org: string, project: RestProject): void {
    this.projects.set(org, [...(this.projects.get(org) ?? []), project]);
  }

  addIssue(org: string, seed: RestIssueSeed): void {
    this.issues.set(org, [...(this.issues.get(org) ?? []), seed]);
  }

  /** Resolves the open issue of the project with this Snyk id, as a new test of the project would. */
  resolve(org: string, projectId: string, snykId: string, at: string): void {
    for (const seed of this.issues.get(org) ?? [])
      if (seed.projectId === projectId && seed.webhookIssue['id'] === snykId && seed.status === 'open') {
        seed.status = 'resolved';
        seed.updatedAt = at;
      }
  }

  /** Drops the issue altogether, as when Snyk stops listing it (its project's manifest changed, say). */
  forget(org: string, projectId: string, snykId: string): void {
    this.issues.set(
      org,
      (this.issues.get(org) ?? []).filter(
        (seed) => !(seed.projectId === projectId && seed.webhookIssue['id'] === snykId),
      ),
    );
  }

  fail(fault: RestFault): void {
    this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  private send(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/vnd.api+json', ...headers });
    res.end(JSON.stringify(body));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://peer');
    const now = Date.now();
    this.requests.push({ path: url.pathname, query: url.searchParams, at: now });
    if (req.method !== 'GET') this.problems.push(`${req.method} ${url.pathname}: only GET is used`);
    if (req.headers.authorization !== `token ${this.options.token}`) {
      this.send(res, 401, {
        jsonapi: { version: '1.0' },
        errors: [{ status: '401', detail: 'Unauthorized' }],
      });
      return;
    }
    const version = url.searchParams.get('version');
    if (version === null || !/^\d{4}-\d{2}-\d{2}(~beta|~experimental)?$/.test(version)) {
      this.problems.push(`${url.pathname}: no valid version= parameter`);
      this.send(res, 400, { errors: [{ status: '400', detail: 'missing version' }] });
      return;
    }
    if (version < '2024-01-23')
      this.problems.push(`${url.pathname}: version ${version} predates the GA issues API`);
    const limit = Number(url.searchParams.get('limit') ?? '10');
    if (!(limit >= 10 && limit <= 100 && limit % 10 === 0))
      this.problems.push(`${url.pathname}: limit ${limit}`);
    if (now < this.penaltyUntil) {
      this.problems.push(`${url.pathname}: sent ${this.penaltyUntil - now} ms before Retry-After allowed`);
      this.send(res, 429, { errors: [{ status: '429' }] }, { 'retry-after': '1' });
      return;
    }
    const fault = this.faults.find(
      (f) => f.times > 0 && (f.pathIncludes === undefined || url.pathname.includes(f.pathIncludes)),
    );
    if (fault !== undefined && (fault.after ?? 0) > 0) fault.after = (fault.after ?? 0) - 1;
    else if (fault !== undefined) {
      fault.times -= 1;
      const headers: Record<string, string> = {};
      if (fault.retryAfter !== undefined) {
        headers['retry-after'] = fault.retryAfter;
        if (fault.status === 429) this.penaltyUntil = now + Number(fault.retryAfter) * 1000 - 50;
      }
      this.send(
        res,
        fault.status,
        { errors: [{ status: String(fault.status), detail: 'scripted' }] },
        headers,
      );
      return;
    }
    const match = /^\/rest\/orgs\/([^/]+)\/(issues|projects)$/.exec(url.pathname);
    if (match === null) {
      this.problems.push(`unknown path ${url.pathname}`);
      this.send(res, 404, { errors: [{ status: '404' }] });
      return;
    }
    const org = decodeURIComponent(match[1] as string);
    // Built lazily: only the page's items are rendered, so a fake org of thousands of projects stays quick.
    const items: Array<() => Json> =
      match[2] === 'projects' ? this.projectItems(org, url) : this.issueItems(org, url);
    const size = Math.min(limit, this.options.pageSize ?? limit);
    const start = Number(
      Buffer.from(url.searchParams.get('starting_after') ?? '', 'base64url').toString() || '0',
    );
    const page = items.slice(start, start + size).map((item) => item());
    const links: Json = {};
    if (start + size < items.length) {
      const next = new URLSearchParams(url.searchParams);
      next.set('starting_after', Buffer.from(String(start + size)).toString('base64url'));
      // Snyk's links are relative; the projects ones here carry the /rest prefix and the issues ones do not, so
      // that a client must take both forms.
      links['next'] =
        `${match[2] === 'projects' ? '/rest' : ''}/orgs/${match[1]}/${match[2]}?${next.toString()}`;
    }
    this.send(
      res,
      200,
      { jsonapi: { version: '1.0' }, data: page, links },
      { 'snyk-version-served': version },
    );
  }

  private projectItems(org: string, url: URL): Array<() => Json> {
    if (url.searchParams.get('meta.latest_issue_counts') !== 'true')
      this.problems.push('projects listed without meta.latest_issue_counts=true');
    return (this.projects.get(org) ?? []).map((p) => () => {
      const open = (this.issues.get(org) ?? []).filter((i) => i.projectId === p.id && i.status === 'open');
      const count = (level: string) =>
        open.filter((i) => ((i.webhookIssue['issueData'] as Json | undefined)?.['severity'] ?? '') === level)
          .length;
      return {
        id: p.id,
        type: 'project',
        attributes: {
          name: p.name,
          type: p.type,
          origin: p.origin,
          target_reference: p.branch,
          status: 'active',
        },
        meta: {
          latest_issue_counts: {
            critical: count('critical'),
            high: count('high'),
            medium: count('medium'),
            low: count('low'),
            updated_at: p.testedAt,
          },
        },
      };
    });
  }

  private issueItems(org: string, url: URL): Array<() => Json> {
    const q = url.searchParams;
    const status = q.get('status');
    const after = q.get('updated_after');
    const before = q.get('updated_before');
    const scanItem = q.get('scan_item.id');
    if (scanItem !== null && q.get('scan_item.type') !== 'project')
      this.problems.push('scan_item.id without scan_item.type=project');
    return (this.issues.get(org) ?? [])
      .filter((seed) => status === null || seed.status === status)
      .filter((seed) => after === null || seed.updatedAt > after)
      .filter((seed) => before === null || seed.updatedAt <= before)
      .filter((seed) => scanItem === null || seed.projectId === scanItem)
      .map((seed) => () => restIssueOf(org, seed));
  }
}

export async function startSnykRestPeer(options: SnykRestPeerOptions): Promise<SnykRestPeer> {
  return new SnykRestPeer(options).start();
}
