// deploy/systemd/install.sh from this checkout, staged below a temporary root: the tree it installs, the modes it sets,
// an upgrade that keeps the configuration, and the installed CLI validating the installed configuration as the unit would.
import { execFile } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'deploy/systemd/install.sh');
const unitFile = join(root, 'deploy/systemd/snyk-siem-forwarder.service');
const dir = mkdtempSync(join(tmpdir(), 'ssf-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A node directory systemd's default PATH does not hold, so that the installer must write the PATH drop-in. */
const nodeDir = join(dir, 'node-bin');
mkdirSync(nodeDir);
symlinkSync(process.execPath, join(nodeDir, 'node'));
const PATH = `${nodeDir}:/usr/local/bin:/usr/bin:/bin`;

/**
 * Stands in for npm in the staged release: records its arguments and directory, and links this checkout's
 * node_modules there instead of downloading (tests send nothing beyond loopback).
 */
const npmLog = join(dir, 'npm.log');
const npmStub = join(dir, 'npm-stub');
writeFileSync(
  npmStub,
  `#!/bin/sh\nprintf '%s %s\\n' "$(pwd -P)" "$*" >> '${npmLog}'\nln -s '${join(root, 'node_modules')}' node_modules\n`,
  { mode: 0o755 },
);

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd = root,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({
        code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        output: `${stdout}${stderr}`,
      });
    });
  });
}

function install(destdir: string, ...args: string[]) {
  return run('bash', [script, ...args], { PATH, DESTDIR: destdir, NPM: npmStub, HOME: dir });
}

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** `Environment=NAME=value` lines of the unit's [Service] section (systemd.exec(5)). */
function unitEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of readFileSync(unitFile, 'utf8').matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) {
    env[match[1] as string] = match[2] as string;
  }
  return env;
}

describe('deploy/systemd/install.sh', () => {
  it('is valid bash', async () => {
    expect(await run('bash', ['-n', script], { PATH })).toEqual({ code: 0, output: '' });
  });

  it('--dry-run prints what it would do and changes nothing', async () => {
    const destdir = join(dir, 'dry');
    mkdirSync(destdir);
    const { code, output } = await install(destdir, '--dry-run');
    expect(code).toBe(0);
    expect(output).toContain(`npm-stub ci --omit=dev --ignore-scripts`);
    expect(output).toContain(
      `install -m 0600 deploy/systemd/env.example ${destdir}/etc/snyk-siem-forwarder/env`,
    );
    expect(output).toContain(`${destdir}/etc/systemd/system/snyk-siem-forwarder.service`);
    expect(readdirSync(destdir)).toEqual([]);
    expect(existsSync(npmLog)).toBe(false);
  });

  it('installs the release, the configuration, the secrets file and the unit, with their modes', async () => {
    const destdir = join(dir, 'root');
    const { code, output } = await install(destdir);
    expect({ code, output }).toMatchObject({ code: 0 });
    const app = join(destdir, 'opt/snyk-siem-forwarder');
    expect(existsSync(join(app, 'dist/src/cli/main.js'))).toBe(true);
    expect(mode(join(app, 'dist/src/cli/main.js'))).toBe('755');
    expect(existsSync(join(app, 'package.json'))).toBe(true);
    // Production dependencies, installed in the staged release before it replaced anything.
    expect(readFileSync(npmLog, 'utf8').trim()).toBe(
      `${join(destdir, 'opt/.snyk-siem-forwarder.new')} ci --omit=dev --ignore-scripts --no-audit --no-fund`,
    );
    expect(existsSync(join(destdir, 'opt/.snyk-siem-forwarder.new'))).toBe(false);
    const etc = join(destdir, 'etc/snyk-siem-forwarder');
    expect(mode(join(etc, 'env'))).toBe('600');
    expect(mode(join(etc, 'forwarder.yaml'))).toBe('644');
    const unit = join(destdir, 'etc/systemd/system/snyk-siem-forwarder.service');
    expect(readFileSync(unit, 'utf8')).toBe(readFileSync(unitFile, 'utf8'));
    // node is not on systemd's default PATH here: the drop-in names its directory.
    expect(readFileSync(join(`${unit}.d`, 'node-path.conf'), 'utf8')).toContain(
      `Environment=PATH=${nodeDir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin`,
    );
    expect(output).toContain('systemctl was not run');
  }, 120_000);

  it('the installed CLI validates the installed configuration with the environment the unit gives it', async () => {
    const destdir = join(dir, 'root');
    const app = join(destdir, 'opt/snyk-siem-forwarder');
    expect(existsSync(app), 'the previous test installed it').toBe(true);
    const env = unitEnvironment();
    expect(env.FORWARDER_CONFIG).toBe('/etc/snyk-siem-forwarder/forwarder.yaml');
    // The env file as installed sets nothing (all comments), so the unit's Environment= is the whole environment;
    // the paths move below the staging root, and DATA_DIR to a directory of this test.
    const result = await run(
      process.execPath,
      [join(app, 'dist/src/cli/main.js'), 'validate'],
      {
        ...env,
        PATH,
        FORWARDER_CONFIG: join(destdir, env.FORWARDER_CONFIG as string),
        DATA_DIR: join(dir, 'state'),
      },
      app,
    );
    expect(result, result.output).toMatchObject({ code: 0 });
  }, 60_000);

  it('an upgrade keeps the configuration and secrets, and the replaced release for a rollback', async () => {
    const destdir = join(dir, 'root');
    const etc = join(destdir, 'etc/snyk-siem-forwarder');
    appendFileSync(join(etc, 'forwarder.yaml'), '# edited by the operator\n');
    appendFileSync(join(etc, 'env'), 'SNYK_WEBHOOK_SECRET=an-operator-secret-0123456789\n');
    const edited = {
      yaml: readFileSync(join(etc, 'forwarder.yaml'), 'utf8'),
      env: readFileSync(join(etc, 'env'), 'utf8'),
    };
    writeFileSync(join(destdir, 'opt/snyk-siem-forwarder/release-marker'), 'old');
    const { code, output } = await install(destdir);
    expect({ code, output }).toMatchObject({ code: 0 });
    expect(readFileSync(join(etc, 'forwarder.yaml'), 'utf8')).toBe(edited.yaml);
    expect(readFileSync(join(etc, 'env'), 'utf8')).toBe(edited.env);
    expect(mode(join(etc, 'env'))).toBe('600');
    expect(readFileSync(join(destdir, 'opt/snyk-siem-forwarder.previous/release-marker'), 'utf8')).toBe(
      'old',
    );
    expect(existsSync(join(destdir, 'opt/snyk-siem-forwarder/release-marker'))).toBe(false);
    expect(existsSync(join(destdir, 'opt/snyk-siem-forwarder/dist/src/cli/main.js'))).toBe(true);
  }, 120_000);

  it('refuses an unknown option', async () => {
    const { code, output } = await install(join(dir, 'unused'), '--force');
    expect(code).toBe(2);
    expect(output).toContain('unknown argument "--force"');
  });
});
