// The shipped example configurations validate against the schema, so the deploy files cannot drift from the code.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV_VARIABLES } from '../../src/config/env.js';
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

  it('the systemd unit validates before it starts, reloads with SIGHUP, and never sets MemoryDenyWriteExecute', () => {
    const unit = readFileSync(new URL('deploy/systemd/snyk-siem-forwarder.service', root), 'utf8');
    expect(unit).toMatch(/^ExecStartPre=.*main\.js validate$/m);
    expect(unit).toMatch(/^ExecStart=.*main\.js start$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    expect(unit).not.toMatch(/^MemoryDenyWriteExecute=/m);
  });

  it('the systemd environment template names only variables the forwarder or its configuration reads', () => {
    const template = readFileSync(new URL('deploy/systemd/env.example', root), 'utf8');
    const configText = readFileSync(new URL('deploy/systemd/forwarder.yaml', root), 'utf8');
    const names = [...template.matchAll(/^#?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1] as string);
    expect(names).toContain('SNYK_WEBHOOK_SECRET');
    for (const name of names) {
      const known = ENV_VARIABLES.some((variable) => variable.name === name.replace(/_FILE$/, ''));
      expect(known || configText.includes(`\${${name}}`), `${name} is read by nothing`).toBe(true);
    }
    // As installed, every line is a comment: the forwarder starts on its defaults and the unit's Environment=.
    expect(template.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'))).toEqual([]);
  });

  it('the configuration install.sh installs is valid as it stands, with the embedded Redis', () => {
    const file = new URL('deploy/systemd/forwarder.yaml', root).pathname;
    const { config } = loadConfig({ configFile: file, env: { DATA_DIR: join(dir, 'state') }, cwd: dir });
    expect(config.redis.url).toBeUndefined();
    expect(config.log.format).toBe('json');
  });
});
