// Runs a private Prometheus (Debian's package) on a free loopback port, scraping loopback targets, and reads its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** The job name of the scrape config; every scraped series carries `job="<this>"`. */
export const SCRAPE_JOB = 'snyk-siem-forwarder';

export interface PrometheusOptions {
  /** `host:port` of each target, scraped at `/metrics`; loopback only (127.0.0.1 or [::1]). */
  targets: readonly string[];
  /** Rule files loaded as they are (absolute paths). */
  ruleFiles?: readonly string[];
  /** A rule file's content (`{ groups: [...] }`), written to the temp dir and loaded after `ruleFiles`. */
  rules?: unknown;
  /** Scrape and rule evaluation interval, in seconds. */
  intervalSeconds?: number;
}

/** The envelope of every answer of the HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/). */
export interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export interface InstantSample {
  metric: Record<string, string>;
  /** [unix seconds, value as a string] */
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export type QueryData =
  | { resultType: 'vector'; result: InstantSample[] }
  | { resultType: 'matrix'; result: RangeSeries[] }
  | { resultType: 'scalar' | 'string'; result: [number, string] };

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface RuleStatus {
  name: string;
  query: string;
  type: 'recording' | 'alerting';
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  lastEvaluation: string;
  state?: 'inactive' | 'pending' | 'firing';
}

export interface RuleGroupStatus {
  name: string;
  file: string;
  rules: RuleStatus[];
}

export interface TestPrometheus {
  readonly port: number;
  /** e.g. http://127.0.0.1:43123 */
  readonly url: string;
  /** GET /api/v1/<path> with the query parameters; the parsed envelope, whatever the HTTP status. */
  api<T>(path: string, params?: Record<string, string | string[]>): Promise<ApiAnswer<T>>;
  /** An instant query at the current time; throws when Prometheus refuses it. */
  query(expr: string): Promise<QueryData>;
  /** An instant query whose answer is a vector (the usual case); throws otherwise. */
  vector(expr: string): Promise<InstantSample[]>;
  /** Pending and firing alerts (GET /api/v1/alerts). */
  alerts(): Promise<ActiveAlert[]>;
  /** Rule groups with each rule's health and state (GET /api/v1/rules). */
  rules(): Promise<RuleGroupStatus[]>;
  /** What Prometheus wrote to stderr (its log), the last 64 KiB. */
  logs(): string;
  /** SIGTERM, SIGKILL after 10 s, then removes the temp dir (configuration and TSDB). */
  stop(): Promise<void>;
}

const LOOPBACK_TARGET = /^(127\.0\.0\.1|\[::1\]):\d{1,5}$/;
const LOG_LIMIT = 64 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function startPrometheus(options: PrometheusOptions): Promise<TestPrometheus> {
  for (const target of options.targets) {
    if (!LOOPBACK_TARGET.test(target)) throw new Error(`scrape target ${target} is not a loopback host:port`);
  }
  const interval = `${options.intervalSeconds ?? 1}s`;
  const dir = mkdtempSync(join(tmpdir(), 'ssf-prometheus-'));
  const ruleFiles = [...(options.ruleFiles ?? [])];
  if (options.rules !== undefined) {
    const file = join(dir, 'rules.yml');
    writeFileSync(file, stringify(options.rules));
    ruleFiles.push(file);
  }
  // https://prometheus.io/docs/prometheus/2.42/configuration/configuration/
  const config = {
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: SCRAPE_JOB, static_configs: [{ targets: [...options.targets] }] }],
  };
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_LIMIT);
  });
  // A missing binary is an 'error' event and no 'exit' (https://nodejs.org/api/child_process.html#event-error).
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;

  async function stop(): Promise<void> {
    if (running()) {
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  // /-/ready answers 200 once the TSDB is open and the configuration loaded (docs: management API).
  const until = Date.now() + 30_000;
  for (;;) {
    if (!running()) {
      await stop();
      throw new Error(
        `${PROMETHEUS_BIN} did not start or exited (${spawnError?.message ?? child.exitCode}): ${log}`,
      );
    }
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`prometheus did not become ready within 30 s: ${log}`);
    }
    await sleep(100);
  }

  async function api<T>(path: string, params: Record<string, string | string[]> = {}): Promise<ApiAnswer<T>> {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      for (const one of Array.isArray(value) ? value : [value]) search.append(key, one);
    }
    const response = await fetch(`${url}/api/v1/${path}?${search.toString()}`);
    return (await response.json()) as ApiAnswer<T>;
  }

  async function query(expr: string): Promise<QueryData> {
    const answer = await api<QueryData>('query', { query: expr });
    if (answer.status !== 'success' || answer.data === undefined) {
      throw new Error(`query ${expr} failed: ${answer.errorType ?? ''} ${answer.error ?? ''}`);
    }
    return answer.data;
  }

  return {
    port,
    url,
    api,
    query,
    async vector(expr) {
      const data = await query(expr);
      if (data.resultType !== 'vector')
        throw new Error(`query ${expr} gave a ${data.resultType}, not a vector`);
      return data.result;
    },
    async alerts() {
      return (await api<{ alerts: ActiveAlert[] }>('alerts')).data?.alerts ?? [];
    },
    async rules() {
      return (await api<{ groups: RuleGroupStatus[] }>('rules')).data?.groups ?? [];
    },
    logs: () => log,
    stop,
  };
}
