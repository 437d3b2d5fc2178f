// One reconciliation run of one org: Snyk's open and resolved issues against the forwarded set, emitting the difference.
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from 'bullmq';
import type { Logger } from 'winston';
import {
  parseFindingKey,
  findingKeys,
  readRestIssue,
  reconciledFinding,
  reconciledFindings,
  type Finding,
  type ProjectInfo,
  type ReconcileContext,
  type RestIssue,
} from '../../normalizers/index.js';
import {
  forwardedAmong,
  forwardedOf,
  lastSnapshots,
  touchForwarded,
  updateForwarded,
} from '../snyk/reconcile/forwarded-set.js';
import {
  SEVERITY_LETTER,
  SEVERITY_OF_LETTER,
  type SeverityLetter,
} from '../snyk/reconcile/snapshot-delta.js';
import { SNYK_REST_PAGE_LIMIT, type SnykRestClient } from '../snyk/rest-client.js';
import type { RecordEmitter } from './emit.js';
import {
  dropRun,
  finishRun,
  readLastFull,
  readRunState,
  readWatermark,
  runOpenKey,
  runProjectsKey,
  saveRunState,
  takeRunLock,
  type RunLock,
  type RunState,
} from './run-state.js';

/**
 * Issues updated this recently are left to the next run: their project_snapshot may still be on its way through the
 * receiver and the ingest queue, and reconciling them now would emit what the webhook is about to deliver.
 */
export const DEFAULT_SETTLE_MS = 10 * 60_000;

export interface ReconcileOptions {
  org: string;
  rest: SnykRestClient;
  /** BullMQ's client of the forwarder's Redis (`queue.backend.client`). */
  redis: RedisClient;
  prefix: string;
  /** Where records go; undefined for a dry run, which emits nothing and changes nothing in Redis but its own keys. */
  emitter: RecordEmitter | undefined;
  /** Start of the window (ISO 8601): issues updated since then. Unset: since the last run, or all open issues. */
  since?: string | undefined;
  /** Reads every open issue even when an earlier run left a watermark. */
  full?: boolean;
  /**
   * Reads every open issue when the last full run is this old, else only what changed since the last run: a full run
   * also finds forwarded findings Snyk stopped listing without marking them resolved.
   */
  fullEveryMs?: number;
  settleMs?: number;
  logger: Logger;
  now?: () => number;
  /** Names this process in the lock, for whoever reads Redis. */
  owner?: string;
  /** The lock lives this long past the last page read; renewed after each page. */
  lockTtlMs?: number;
}

export interface ReconcileSummary {
  org: string;
  runId: string;
  mode: 'full' | 'incremental';
  since: string | undefined;
  until: string;
  /** The run went on from a cursor an interrupted run saved. */
  resumed: boolean;
  dryRun: boolean;
  projects: number;
  /** Projects Snyk tested after the last project_snapshot received for them (or with none ever received). */
  projectsBehind: number;
  issuesRead: number;
  introduced: number;
  resolved: number;
  /** Records queued per target (after each target's filter). */
  queued: Record<string, number>;
  /** REST requests this run sent, retries included. */
  requests: number;
}

/** Another run of the org holds the lock (a schedule in another process, or a command). */
export class ReconcileBusyError extends Error {
  constructor(org: string) {
    super(`another reconciliation of org ${org} is running; try again once it ends`);
    this.name = 'ReconcileBusyError';
  }
}

/** What the run keeps of a project: what its records need, and when Snyk last counted its issues. */
interface ProjectEntry {
  info: Omit<ProjectInfo, 'id' | 'tags' | 'attributes'>;
  countsUpdatedAt?: string;
}

function runIdOf(org: string, mode: string, since: string | undefined, until: string): string {
  return createHash('sha256')
    .update(JSON.stringify([org, mode, since ?? null, until]))
    .digest('base64url')
    .slice(0, 16);
}

function readProject(value: unknown): { id: string; entry: ProjectEntry } | undefined {
  const raw = value as { id?: unknown; attributes?: Record<string, unknown>; meta?: Record<string, unknown> };
  if (typeof raw?.id !== 'string' || raw.id === '') return undefined;
  const a = raw.attributes ?? {};
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const info: ProjectEntry['info'] = {};
  const put = (key: keyof ProjectEntry['info'], v: unknown) => {
    const t = text(v);
    if (t !== undefined) (info as Record<string, string>)[key] = t;
  };
  put('name', a['name']);
  put('type', a['type']);
  put('origin', a['origin']);
  put('branch', a['target_reference']);
  put('targetFile', a['target_file']);
  const counts = (raw.meta?.['latest_issue_counts'] ?? {}) as Record<string, unknown>;
  const entry: ProjectEntry = { info };
  const updatedAt = text(counts['updated_at']);
  if (updatedAt !== undefined) entry.countsUpdatedAt = updatedAt;
  return { id: raw.id, entry };
}

/** Whether this run reads every open issue: asked for, or the last full run is older than `fullEveryMs`. */
async function fullDue(options: ReconcileOptions, nowMs: number): Promise<boolean> {
  if (options.full === true) return true;
  if (options.fullEveryMs === undefined) return false;
  const last = await readLastFull(options.redis, options.prefix, options.org);
  return last === undefined || nowMs - Date.parse(last) >= options.fullEveryMs;
}

export async function reconcileOrg(options: ReconcileOptions): Promise<ReconcileSummary> {
  const { org, rest, redis, prefix, logger } = options;
  const now = options.now ?? Date.now;
  const dryRun = options.emitter === undefined;
  // A dry run keeps its working keys apart and never resumes nor leaves a cursor.
  const stateOrg = dryRun ? `${org}:dry-run` : org;
  const requestsBefore = rest.requests;
  const lock = await takeRunLock(
    redis,
    prefix,
    org,
    options.owner ?? `${hostname()}:${process.pid}`,
    options.lockTtlMs ?? 10 * 60_000,
  );
  if (lock === undefined) throw new ReconcileBusyError(org);
  try {
    let state = dryRun ? undefined : await readRunState(redis, prefix, stateOrg);
    const resumed = state !== undefined;
    if (state === undefined) {
      const startedAt = new Date(now()).toISOString();
      const until = new Date(now() - (options.settleMs ?? DEFAULT_SETTLE_MS)).toISOString();
      const since =
        options.since ??
        ((await fullDue(options, now())) ? undefined : await readWatermark(redis, prefix, org));
      const mode = since === undefined ? 'full' : 'incremental';
      state = {
        runId: runIdOf(org, mode, since, until),
        mode,
        since,
        until,
        startedAt,
        phase: 'projects',
        next: undefined,
        page: 0,
      };
      await dropRun(redis, prefix, stateOrg);
      await saveRunState(redis, prefix, stateOrg, state);
    } else {
      logger.info('Reconciliation resumes an interrupted run from its cursor.', {
        org,
        runId: state.runId,
        phase: state.phase,
        page: state.page,
      });
    }
    const summary: ReconcileSummary = {
      org,
      runId: state.runId,
      mode: state.mode,
      since: state.since,
      until: state.until,
      resumed,
      dryRun,
      projects: 0,
      projectsBehind: 0,
      issuesRead: 0,
      introduced: 0,
      resolved: 0,
      queued: {},
      requests: 0,
    };
    const run = new Run(options, state, stateOrg, lock, summary);
    if (state.phase === 'projects') await run.projects();
    if (state.phase === 'issues') await run.issues();
    if (state.phase === 'resolve') await run.resolve();
    if (dryRun) await dropRun(redis, prefix, stateOrg);
    else await finishRun(redis, prefix, stateOrg, state);
    summary.requests = rest.requests - requestsBefore;
    return summary;
  } finally {
    await lock.release().catch(() => undefined);
  }
}

/** The phases of one run, each saving its cursor after every page so that an interrupted run resumes there. */
class Run {
  private readonly context: ReconcileContext;
  private projectInfo: Map<string, ProjectEntry> | undefined;

  constructor(
    private readonly options: ReconcileOptions,
    private readonly state: RunState,
    private readonly stateOrg: string,
    private readonly lock: RunLock,
    private readonly summary: ReconcileSummary,
  ) {
    this.context = { runId: state.runId, startedAt: state.startedAt, org: { id: options.org } };
  }

  private get redis(): RedisClient {
    return this.options.redis;
  }

  private get prefix(): string {
    return this.options.prefix;
  }

  /** Saves the cursor and renews the lock; a lost lock stops the run (another one took over). */
  private async step(next: string | undefined): Promise<void> {
    this.state.next = next;
    this.state.page += 1;
    await saveRunState(this.redis, this.prefix, this.stateOrg, this.state);
    if (!(await this.lock.renew())) throw new ReconcileBusyError(this.options.org);
  }

  private async enter(phase: RunState['phase']): Promise<void> {
    this.state.phase = phase;
    this.state.next = undefined;
    this.state.page = 0;
    await saveRunState(this.redis, this.prefix, this.stateOrg, this.state);
  }

  /** GET /orgs/{org_id}/projects?meta.latest_issue_counts=true, every page: names and types for the records. */
  async projects(): Promise<void> {
    const { org, rest } = this.options;
    const key = runProjectsKey(this.prefix, this.stateOrg);
    for (;;) {
      const page = await rest.getPage(
        this.state.next ?? `/orgs/${encodeURIComponent(org)}/projects`,
        this.state.next === undefined
          ? { limit: String(SNYK_REST_PAGE_LIMIT), 'meta.latest_issue_counts': 'true' }
          : {},
        `list the projects of org ${org}`,
      );
      const projects = page.data.flatMap((item) => readProject(item) ?? []);
      if (projects.length > 0) {
        await this.redis.hset(key, Object.fromEntries(projects.map((p) => [p.id, JSON.stringify(p.entry)])));
        const last = await lastSnapshots(
          this.redis,
          this.prefix,
          projects.map((p) => p.id),
        );
        projects.forEach((p, i) => {
          const tested = p.entry.countsUpdatedAt === undefined ? NaN : Date.parse(p.entry.countsUpdatedAt);
          const received = last[i];
          if (Number.isFinite(tested) && (received === undefined || tested > received))
            this.summary.projectsBehind += 1;
        });
      }
      this.summary.projects += projects.length;
      await this.step(page.next);
      if (page.next === undefined) break;
    }
    await this.enter('issues');
  }

  private async projectEntries(): Promise<Map<string, ProjectEntry>> {
    if (this.projectInfo === undefined) {
      const all = await this.redis.hgetall(runProjectsKey(this.prefix, this.stateOrg));
      this.projectInfo = new Map(
        Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as ProjectEntry]),
      );
    }
    return this.projectInfo;
  }

  private async projectOf(id: string): Promise<ProjectInfo | undefined> {
    const entry = (await this.projectEntries()).get(id);
    return entry === undefined
      ? undefined
      : { ...entry.info, tags: [], attributes: { criticality: [], environment: [], lifecycle: [] } };
  }

  /**
   * GET /orgs/{org_id}/issues, every page: status=open for a full run, else every issue updated in the window. An
   * open issue version absent from the forwarded set is introduced; a resolved one present in it is resolved.
   */
  async issues(): Promise<void> {
    const { org, rest } = this.options;
    const { mode, since, until } = this.state;
    const query: Record<string, string | undefined> =
      mode === 'full'
        ? { limit: String(SNYK_REST_PAGE_LIMIT), status: 'open' }
        : { limit: String(SNYK_REST_PAGE_LIMIT), updated_after: since, updated_before: until };
    for (;;) {
      const page = await rest.getPage(
        this.state.next ?? `/orgs/${encodeURIComponent(org)}/issues`,
        this.state.next === undefined ? query : {},
        `list the issues of org ${org}`,
      );
      const issues = page.data.flatMap((item) => readRestIssue(item) ?? []);
      this.summary.issuesRead += issues.length;
      if (mode === 'full') await this.noteOpen(issues);
      const byProject = new Map<string, RestIssue[]>();
      for (const issue of issues)
        byProject.set(issue.projectId, [...(byProject.get(issue.projectId) ?? []), issue]);
      const records: Finding[] = [];
      const changes: Array<{ projectId: string; add: Map<string, SeverityLetter>; remove: string[] }> = [];
      for (const [projectId, list] of byProject) {
        const change = { projectId, add: new Map<string, SeverityLetter>(), remove: [] as string[] };
        const project = await this.projectOf(projectId);
        // Updated after the window's end: its webhook may still be on its way; the next run sees it.
        const settled = list.filter((issue) => (issue.updatedAt ?? issue.createdAt ?? '') <= until);
        const versionsOf = (issue: RestIssue) =>
          issue.issue.packageVersions.length === 0 ? [undefined] : issue.issue.packageVersions;
        // findingKeys gives one key per version of versionsOf, in the same order.
        const keysOf = (issue: RestIssue) => findingKeys(issue.issue);
        // One round trip per project and page for the whole lookup.
        const present = await forwardedAmong(this.redis, this.prefix, projectId, settled.flatMap(keysOf));
        let at = 0;
        for (const issue of settled) {
          const versions = versionsOf(issue);
          const keys = keysOf(issue);
          const found = present.slice(at, at + keys.length);
          at += keys.length;
          const action = issue.status === 'open' ? 'issue_introduced' : 'issue_resolved';
          // Introduced: open in Snyk and not forwarded; resolved: resolved in Snyk and still forwarded as open.
          const picked = versions.flatMap((version, i) =>
            found[i] === (action === 'issue_resolved') && !change.add.has(keys[i] as string)
              ? [{ version, key: keys[i] as string }]
              : [],
          );
          if (picked.length === 0) continue;
          records.push(
            ...reconciledFindings(
              issue,
              action,
              this.context,
              project,
              picked.flatMap(({ version }) => (version === undefined ? [] : [version])),
            ),
          );
          for (const { key } of picked) {
            if (action === 'issue_introduced') change.add.set(key, SEVERITY_LETTER[issue.issue.severity]);
            else change.remove.push(key);
          }
        }
        if (change.add.size > 0 || change.remove.length > 0) changes.push(change);
      }
      await this.emit(records, `i${this.state.page}`, changes);
      await this.step(page.next);
      if (page.next === undefined) break;
    }
    if (mode === 'full') await this.enter('resolve');
  }

  /** Full runs: remembers every open issue version, to find the forwarded ones Snyk no longer lists as open. */
  private async noteOpen(issues: readonly RestIssue[]): Promise<void> {
    const members = issues.flatMap((issue) =>
      findingKeys(issue.issue).map((key) => `${issue.projectId} ${key}`),
    );
    if (members.length > 0)
      await this.redis.runCommand('sadd', [runOpenKey(this.prefix, this.stateOrg), ...members]);
  }

  /**
   * Full runs: per project, the forwarded findings no longer open in Snyk are resolved. A project Snyk tested after the
   * window's end is left alone: its snapshot, with the removals, may still be on its way.
   */
  async resolve(): Promise<void> {
    const entries = await this.projectEntries();
    const ids = [...entries.keys()].sort();
    // The cursor of this phase is the last project done.
    const from = this.state.next;
    const todo = from === undefined ? ids : ids.filter((id) => id > from);
    const touched: string[] = [];
    for (const projectId of todo) {
      const entry = entries.get(projectId) as ProjectEntry;
      const forwarded = await forwardedOf(this.redis, this.prefix, projectId);
      if (forwarded.size > 0) touched.push(projectId);
      const recent = entry.countsUpdatedAt !== undefined && entry.countsUpdatedAt > this.state.until;
      if (forwarded.size === 0 || recent) {
        if (touched.length >= 100) await touchForwarded(this.redis, this.prefix, touched.splice(0));
        continue;
      }
      const keys = [...forwarded.keys()];
      const open = (await this.redis.runCommand('smismember', [
        runOpenKey(this.prefix, this.stateOrg),
        ...keys.map((key) => `${projectId} ${key}`),
      ])) as number[];
      const stale = keys.filter((_, i) => open[i] !== 1);
      if (stale.length > 0) {
        const resolvedIssues = await this.resolvedIssuesOf(projectId);
        const project = await this.projectOf(projectId);
        const records = stale.map((key) => {
          const known = resolvedIssues.get(key);
          if (known !== undefined) {
            const [record] = reconciledFindings(
              known.issue,
              'issue_resolved',
              this.context,
              project,
              known.version === undefined ? [] : [known.version],
            );
            return record as Finding;
          }
          return this.findingFromKey(key, forwarded.get(key) ?? 'l', projectId, project);
        });
        await this.emit(records, `r${createHash('sha256').update(projectId).digest('hex').slice(0, 16)}`, [
          { projectId, add: new Map(), remove: stale },
        ]);
      }
      await touchForwarded(this.redis, this.prefix, touched.splice(0));
      await this.step(projectId);
    }
    await touchForwarded(this.redis, this.prefix, touched);
  }

  /** The project's resolved issues (GET …/issues?scan_item.id=…&status=resolved), by finding key. */
  private async resolvedIssuesOf(
    projectId: string,
  ): Promise<Map<string, { issue: RestIssue; version: string | undefined }>> {
    const { org, rest } = this.options;
    const found = new Map<string, { issue: RestIssue; version: string | undefined }>();
    let next: string | undefined;
    for (let pages = 0; pages < 1000; pages += 1) {
      const page = await rest.getPage(
        next ?? `/orgs/${encodeURIComponent(org)}/issues`,
        next === undefined
          ? {
              limit: String(SNYK_REST_PAGE_LIMIT),
              'scan_item.id': projectId,
              'scan_item.type': 'project',
              status: 'resolved',
            }
          : {},
        `list the resolved issues of project ${projectId} in org ${org}`,
      );
      for (const issue of page.data.flatMap((item) => readRestIssue(item) ?? [])) {
        for (const [i, key] of findingKeys(issue.issue).entries())
          found.set(key, { issue, version: issue.issue.packageVersions[i] });
      }
      next = page.next;
      if (next === undefined) break;
    }
    return found;
  }

  /** A resolved finding known only from the forwarded set: its id, package, version and severity; no title. */
  private findingFromKey(
    key: string,
    letter: SeverityLetter,
    projectId: string,
    project: ProjectInfo | undefined,
  ): Finding {
    const [id, packageName, version] = parseFindingKey(key);
    const severity = SEVERITY_OF_LETTER[letter] ?? 'low';
    const issue = {
      id,
      title: '',
      // The forwarded set keeps no issue type: left empty rather than guessed.
      type: '',
      severity,
      cves: [],
      cwes: [],
      ghsas: [],
      hasFix: false,
      fixedIn: [],
      packageVersions: version === '' ? [] : [version],
      ...(packageName === '' ? {} : { packageName }),
    };
    return reconciledFinding(
      issue,
      projectId,
      'issue_resolved',
      this.context.startedAt,
      this.context,
      project,
    );
  }

  /** Queues the records, then records them in the forwarded set: a crash between the two re-emits, never loses. */
  private async emit(
    records: readonly Finding[],
    batch: string,
    changes: ReadonlyArray<{
      projectId: string;
      add: ReadonlyMap<string, SeverityLetter>;
      remove: readonly string[];
    }>,
  ): Promise<void> {
    for (const record of records) {
      if (record.action === 'issue_introduced') this.summary.introduced += 1;
      else this.summary.resolved += 1;
    }
    const emitter = this.options.emitter;
    if (emitter === undefined || records.length === 0) return;
    const { queued } = await emitter.emit(records, {
      batchId: `reconcile-${this.state.runId}-${batch}`,
      transportId: `reconcile-${this.state.runId}`,
      receivedAt: this.state.startedAt,
    });
    for (const [target, count] of Object.entries(queued))
      this.summary.queued[target] = (this.summary.queued[target] ?? 0) + count;
    for (const change of changes)
      await updateForwarded(this.redis, this.prefix, change.projectId, change.add, change.remove);
  }
}
