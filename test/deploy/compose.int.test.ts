// The local trial (deploy/docker/compose.yaml) holds together: its configuration loads, names the compose services,
// and the syslog receiver's configuration is valid syslog-ng that listens where the target sends.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { adminSchema, receiverSchema } from '../../src/config/schema.js';
import { parseStages } from './dockerfile-instructions.js';
import { longestStopMs } from './stop-bound.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const composeDir = join(root, 'deploy/docker');
const dir = mkdtempSync(join(tmpdir(), 'ssf-compose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  read_only?: boolean;
  stop_grace_period?: string;
}
const compose = parseYaml(readFileSync(join(composeDir, 'compose.yaml'), 'utf8')) as {
  services: Record<string, Service>;
};
const forwarder = compose.services.forwarder as Service;
const finalStage = parseStages(readFileSync(join(composeDir, 'Dockerfile'), 'utf8')).at(-1);

/** Compose's own interpolation of `${VAR:?message}` and `${VAR:-default}` (https://docs.docker.com/reference/compose-file/interpolation/), with a value for the required ones. */
function interpolateCompose(value: string): string {
  return value.replace(/\$\{[A-Z_]+(?::\?[^}]*|:-([^}]*))\}/g, (match, fallback: string | undefined) =>
    match.includes(':?') ? 'a-trial-webhook-secret-0123456789' : (fallback ?? ''),
  );
}

/** `host:container[:ro]` volume entries of a service, as [source, target]. */
function mounts(service: Service): Array<[string, string]> {
  return (service.volumes ?? []).map((entry) => entry.split(':').slice(0, 2) as [string, string]);
}

function loadTrialConfig() {
  const environment = Object.fromEntries(
    Object.entries(forwarder.environment ?? {}).map(([name, value]) => [name, interpolateCompose(value)]),
  );
  const configPath = environment.FORWARDER_CONFIG as string;
  const source = mounts(forwarder).find(([, target]) => target === configPath)?.[0];
  expect(source, `a volume mounts the file FORWARDER_CONFIG names (${configPath})`).toBeDefined();
  const { config } = loadConfig({
    configFile: resolve(composeDir, source as string),
    env: environment,
    cwd: dir,
  });
  return { config, environment };
}

describe('deploy/docker/compose.yaml', () => {
  it('builds the forwarder from the repository root with deploy/docker/Dockerfile, read-only', () => {
    expect(resolve(composeDir, forwarder.build?.context ?? '')).toBe(resolve(root));
    expect(forwarder.build?.dockerfile).toBe('deploy/docker/Dockerfile');
    expect(forwarder.read_only).toBe(true);
    // The one writable place the image names (DATA_DIR) is a volume.
    const dataDir = /\bDATA_DIR=(\S+)/.exec(
      finalStage?.instructions
        .filter((i) => i.keyword === 'ENV')
        .map((i) => i.args)
        .join(' ') ?? '',
    )?.[1];
    expect(mounts(forwarder).map(([, target]) => target)).toContain(dataDir);
  });

  it('runs Redis with an append-only file flushed every second and without eviction', () => {
    const command = (compose.services.redis?.command ?? []).join(' ');
    expect(command).toMatch(/^redis-server /);
    expect(command).toContain('--appendonly yes');
    expect(command).toContain('--appendfsync everysec');
    expect(command).toContain('--maxmemory-policy noeviction');
  });

  it('publishes the ports the configuration listens on, on loopback only', () => {
    const { config } = loadTrialConfig();
    expect(config.receiver.port).toBe(receiverSchema.parse({}).port);
    expect(forwarder.ports).toEqual([
      `127.0.0.1:${config.receiver.port}:${config.receiver.port}`,
      `127.0.0.1:${config.admin.port}:${config.admin.port}`,
    ]);
    expect(config.admin.port).toBe(adminSchema.parse({}).port);
  });

  it('points the forwarder at the compose Redis and its syslog target at the compose syslog-ng', () => {
    const { config } = loadTrialConfig();
    expect(new URL(config.redis.url as string).hostname).toBe('redis');
    const syslog = config.targets.find((target) => target.type === 'syslog');
    expect(syslog).toBeDefined();
    if (syslog?.type !== 'syslog') return;
    expect(Object.keys(compose.services)).toContain(syslog.host);
    const receiver = compose.services[syslog.host] as Service;
    const confSource = mounts(receiver).find(([, target]) => target === '/etc/syslog-ng/syslog-ng.conf')?.[0];
    const conf = readFileSync(resolve(composeDir, confSource as string), 'utf8');
    // syslog() reads RFC 5424 with octet counting (RFC 6587), the syslog target's default framing on tcp.
    const source = /syslog\(\s*transport\("(\w+)"\)\s*port\((\d+)\)/.exec(conf);
    expect(source?.[1]).toBe(syslog.protocol);
    expect(Number(source?.[2])).toBe(syslog.port);
    expect(syslog.framing ?? 'octet-counting').toBe('octet-counting');
  });

  it('waits longer for the forwarder to stop than the daemon can take', () => {
    const { config } = loadTrialConfig();
    const seconds = Number(/^(\d+)s$/.exec(forwarder.stop_grace_period ?? '')?.[1]);
    expect(seconds * 1000).toBeGreaterThanOrEqual(longestStopMs(config, 0));
  });

  it("the syslog receiver's configuration passes syslog-ng --syntax-only", async () => {
    const version = await new Promise<string>((done, fail) =>
      execFile('syslog-ng', ['--version'], (error, stdout) => (error ? fail(error) : done(stdout))),
    ).catch((error: unknown) => {
      throw new Error(
        `syslog-ng is not installed (${(error as Error).message}): apt-get install syslog-ng-core; .ci/run does`,
      );
    });
    // The file is written for the image's newer syslog-ng; its drivers read the same in the installed version.
    const configVersion = /Config version: (\S+)/.exec(version)?.[1] as string;
    const conf = readFileSync(join(composeDir, 'syslog-ng.conf'), 'utf8').replace(
      /^@version: .*$/m,
      `@version: ${configVersion}`,
    );
    const file = join(dir, 'syslog-ng.conf');
    writeFileSync(file, conf);
    const result = await new Promise<{ code: number; output: string }>((done) =>
      execFile('syslog-ng', ['--syntax-only', '-f', file], (error, stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
      ),
    );
    expect(result).toEqual({ code: 0, output: '' });
  });
});
