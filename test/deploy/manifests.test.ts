// The shipped example configurations validate against the schema, so the deploy files cannot drift from the code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = new URL('../../', import.meta.url);

describe('deploy files', () => {
  it('deploy/forwarder.example.yaml is a valid configuration', () => {
    const file = new URL('deploy/forwarder.example.yaml', root).pathname;
    const { config } = loadConfig({ configFile: file, env: { REDIS_URL: 'redis://redis:6379' }, cwd: dir });
    expect(config.redis.prefix).toBe('{snyk-siem}');
    expect(config.targets.map((t) => t.name)).toEqual(['archive']);
  });

  it('the Kubernetes ConfigMap holds a valid configuration, and both Deployments run a known role', () => {
    const docs = parseAllDocuments(
      readFileSync(new URL('deploy/kubernetes/forwarder.yaml', root), 'utf8'),
    ).map(
      (doc) =>
        doc.toJS() as {
          kind: string;
          data?: Record<string, string>;
          spec?: { template?: { spec?: { containers?: Array<{ command?: string[] }> } } };
        },
    );
    const configMap = docs.find((doc) => doc.kind === 'ConfigMap');
    const file = join(dir, 'k8s.yaml');
    writeFileSync(file, configMap?.data?.['forwarder.yaml'] ?? '');
    const { config } = loadConfig({ configFile: file, env: { REDIS_URL: 'redis://redis:6379' }, cwd: dir });
    expect(config.targets[0]?.type).toBe('syslog');
    const roles = docs
      .filter((doc) => doc.kind === 'Deployment')
      .map((doc) => doc.spec?.template?.spec?.containers?.[0]?.command?.slice(-1)[0]);
    expect(roles.sort()).toEqual(['receiver', 'worker']);
  });

  it('the systemd unit validates before it starts and never sets MemoryDenyWriteExecute', () => {
    const unit = readFileSync(new URL('deploy/systemd/snyk-siem-forwarder.service', root), 'utf8');
    expect(unit).toMatch(/^ExecStartPre=.*main\.js validate$/m);
    expect(unit).toMatch(/^ExecStart=.*main\.js start$/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });
});
