// `targets setup` on the built CLI against the emulated Elasticsearch: installs the index template once, then finds it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { startElasticsearchPeer, type ElasticsearchPeer } from '../helpers/peers/elasticsearch-peer.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-setup-'));
const shipped = JSON.parse(
  readFileSync(new URL('../../deploy/siem/elasticsearch/index-template.json', import.meta.url), 'utf8'),
) as { template: unknown; priority: number };
let peer: ElasticsearchPeer;

// No configuration from the environment; the commands never touch Redis, so none is given.
const env = { FORWARDER_CONFIG: '' };

function config(name: string, targets: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `targets:\n${targets}`);
  return file;
}

beforeAll(async () => {
  peer = await startElasticsearchPeer({ authorization: 'ApiKey c2V0dXAta2V5' });
});
afterAll(async () => {
  await peer.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  peer.templates.clear();
  peer.requests.length = 0;
});

describe('targets setup --target es', () => {
  it('installs the index template, then says it is up to date without writing it again', async () => {
    const file = config(
      'es',
      `  - name: es\n    type: elasticsearch\n    url: ${peer.url}\n    apiKey: c2V0dXAta2V5\n`,
    );
    const first = await runCli(['targets', 'setup', '--target', 'es', '--config', file], env);
    expect(first.output).toBe(
      'OK    es: index template logs-snyk.findings (logs-snyk.findings-*) installed\n',
    );
    expect(first.code).toBe(0);
    const stored = peer.templates.get('logs-snyk.findings');
    expect(stored?.index_patterns).toEqual(['logs-snyk.findings-*']);
    expect(stored?.data_stream).toBeDefined();
    expect(stored?.priority).toBe(shipped.priority);
    expect(stored?.['template']).toEqual(shipped.template);
    expect(peer.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /_index_template/logs-snyk.findings',
      'PUT /_index_template/logs-snyk.findings',
    ]);

    const second = await runCli(['targets', 'setup', '--target', 'es', '--config', file], env);
    expect(second.output).toBe(
      'OK    es: index template logs-snyk.findings (logs-snyk.findings-*) up to date\n',
    );
    expect(second.code).toBe(0);
    expect(peer.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('replaces a template of the same name that differs, and says so', async () => {
    peer.templates.set('logs-snyk.findings', { index_patterns: ['logs-snyk.findings-*'], priority: 150 });
    const file = config(
      'es-old',
      `  - name: es\n    type: elasticsearch\n    url: ${peer.url}\n    apiKey: c2V0dXAta2V5\n`,
    );
    const { code, output } = await runCli(['targets', 'setup', '--config', file], env);
    expect(output).toBe('OK    es: index template logs-snyk.findings (logs-snyk.findings-*) updated\n');
    expect(code).toBe(0);
    expect(peer.templates.get('logs-snyk.findings')?.priority).toBe(shipped.priority);
  });

  it('a closed loopback port fails with exit 1 and one line naming the refused connection', async () => {
    const port = await freePort();
    const file = config(
      'closed',
      `  - name: es\n    type: elasticsearch\n    url: http://127.0.0.1:${port}\n`,
    );
    const { code, output } = await runCli(['targets', 'setup', '--target', 'es', '--config', file], env);
    expect(code).toBe(1);
    expect(output.split('\n').filter((line) => line !== '')).toEqual([
      `FAIL  es: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('a refusal by the cluster names the request and status, without the credential', async () => {
    const file = config(
      'badkey',
      `  - name: es\n    type: elasticsearch\n    url: ${peer.url}\n    apiKey: d3Jvbmcta2V5\n`,
    );
    const { code, output } = await runCli(['targets', 'setup', '--target', 'es', '--config', file], env);
    expect(code).toBe(1);
    expect(output).toMatch(
      /^FAIL {2}es: GET http:\/\/127\.0\.0\.1:\d+\/_index_template\/logs-snyk\.findings answered 401/,
    );
    expect(output).not.toContain('d3Jvbmcta2V5');
    expect(peer.templates.size).toBe(0);
  });

  it('a target that is not an ecs elasticsearch target is a usage error (exit 2)', async () => {
    const file = config(
      'other',
      `  - name: out\n    type: file\n    path: ${join(dir, 'out.ndjson')}\n` +
        `  - name: esjson\n    type: elasticsearch\n    url: ${peer.url}\n    format: json\n    index: snyk-findings\n`,
    );
    const file1 = await runCli(['targets', 'setup', '--target', 'out', '--config', file], env);
    expect(file1.code).toBe(2);
    expect(file1.output).toContain('target "out" is file');
    const json = await runCli(['targets', 'setup', '--target', 'esjson', '--config', file], env);
    expect(json.code).toBe(2);
    expect(json.output).toContain('the index template maps the ecs format only');
    expect(peer.requests).toHaveLength(0);
  });
});
