// The systemd units under deploy/ pass `systemd-analyze verify` without a single warning, and stop and reload right.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workersSchema } from '../../src/config/schema.js';
import { STOP_MARGIN_MS } from '../../src/daemon.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'scripts', 'verify-units.sh');
const unitFile = join(root, 'deploy', 'systemd', 'snyk-siem-forwarder.service');
const dir = mkdtempSync(join(tmpdir(), 'ssf-units-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function systemdAnalyze(): string {
  try {
    return execFileSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch {
    throw new Error(
      'systemd-analyze is not installed, so the systemd units cannot be verified: install it ' +
        '(Debian/Ubuntu: apt-get install systemd; .ci/run does this) and run the tests again',
    );
  }
}

function verify(...units: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...units], { cwd: root, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** The keys of one section of a unit file, in order (systemd.syntax(7): "[Section]" lines, then Key=Value lines). */
function section(text: string, name: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = header[1] as string;
      continue;
    }
    if (current !== name) continue;
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

const unit = readFileSync(unitFile, 'utf8');

describe('systemd-analyze verify', () => {
  it('prints nothing for any unit under deploy/', async () => {
    console.log(`verifying with ${systemdAnalyze()}`);
    const { code, output } = await verify();
    expect(output).toContain(
      'deploy/systemd/snyk-siem-forwarder.service: systemd-analyze verify printed nothing',
    );
    expect({ code, output }).toMatchObject({ code: 0 });
  }, 60_000);

  it('fails on a warning that systemd-analyze prints with exit status 0', async () => {
    systemdAnalyze();
    // The mistake this unit once had: start limits in [Service], which systemd ignores there.
    const misplaced = join(dir, 'misplaced.service');
    writeFileSync(misplaced, unit.replace(/^RestartSec=5$/m, 'RestartSec=5\nStartLimitIntervalSec=300'));
    const { code, output } = await verify(misplaced);
    expect(code).toBe(1);
    expect(output).toContain("Unknown key 'StartLimitIntervalSec' in section [Service]");
  }, 60_000);

  it('fails on a unit that names node by its path, which differs between distributions', async () => {
    systemdAnalyze();
    const pinned = join(dir, 'pinned-node.service');
    writeFileSync(pinned, unit.replaceAll('/usr/bin/env node ', '/usr/bin/node '));
    const { code, output } = await verify(pinned);
    expect(code).toBe(1);
    expect(output).toContain('runs node by its path; use /usr/bin/env node');
  }, 60_000);

  it('fails when a unit runs a file this checkout does not build', async () => {
    systemdAnalyze();
    const typo = join(dir, 'typo.service');
    writeFileSync(typo, unit.replace('cli/main.js start', 'cli/mian.js start'));
    const { code, output } = await verify(typo);
    expect(code).toBe(1);
    expect(output).toContain('/opt/snyk-siem-forwarder/dist/src/cli/mian.js is not in this checkout');
  }, 60_000);
});

describe('deploy/systemd/snyk-siem-forwarder.service', () => {
  it('limits restarts in [Unit], where systemd reads StartLimitIntervalSec= and StartLimitBurst=', () => {
    expect(section(unit, 'Unit').get('StartLimitIntervalSec')).toEqual(['300']);
    expect(section(unit, 'Unit').get('StartLimitBurst')).toEqual(['10']);
    expect(section(unit, 'Service').has('StartLimitIntervalSec')).toBe(false);
    expect(section(unit, 'Service').has('StartLimitBurst')).toBe(false);
  });

  it('sends SIGTERM to the daemon only, which stops its embedded redis-server last', () => {
    expect(section(unit, 'Service').get('KillMode')).toEqual(['mixed']);
    expect(section(unit, 'Service').get('KillSignal')).toEqual(['SIGTERM']);
  });

  it('validates the configuration before it starts, and runs node from the PATH', () => {
    const main = '/opt/snyk-siem-forwarder/dist/src/cli/main.js';
    expect(section(unit, 'Service').get('ExecStartPre')).toEqual([`/usr/bin/env node ${main} validate`]);
    expect(section(unit, 'Service').get('ExecStart')).toEqual([`/usr/bin/env node ${main} start`]);
  });

  it('reloads the configuration with SIGHUP', () => {
    expect(section(unit, 'Service').get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
  });

  it('waits longer for a stop than the daemon takes with the default shutdown grace', () => {
    const grace = workersSchema.parse({}).shutdownGraceMs;
    // A reload in flight (up to one grace), the bounded stop (grace + margin), a late step or two and the log flush.
    const longestStopMs = grace + grace + STOP_MARGIN_MS + 5_000;
    const timeoutStopSec = Number(section(unit, 'Service').get('TimeoutStopSec')?.[0]);
    expect(timeoutStopSec * 1000).toBeGreaterThanOrEqual(longestStopMs);
  });
});
