// Runs the snyk-siem-forwarder command as a child process (the built dist/src/cli/main.js), capturing its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

/**
 * The CLI as shipped (package.json "bin"), built once per run by the globalSetup test/helpers/build-cli.ts: plain
 * node starts it in a fraction of the time tsx takes to compile src/ on every spawn.
 */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** The argv after `node` that runs the CLI with these arguments; throws if dist/ was not built. */
export function cliArgv(args: string[]): string[] {
  if (!existsSync(CLI_MAIN)) {
    throw new Error(
      `${CLI_MAIN} is missing: run CLI tests through vitest (its globalSetup test/helpers/build-cli.ts builds it)`,
    );
  }
  return [CLI_MAIN, ...args];
}

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  cwd?: string,
  options: { detached?: boolean } = {},
): CliProcess {
  const child = spawn(process.execPath, cliArgv(args), {
    // ADMIN_PORT 0: test files start forwarders in parallel, and the default 9464 could be taken on this machine.
    env: { ...process.env, LOG_LEVEL: 'debug', ADMIN_PORT: '0', ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 20_000,
  cwd?: string,
): Promise<{ code: number | null; output: string }> {
  const proc = spawnCli(args, env, cwd);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code, output: proc.output() };
}

/** Waits until the receiver answers /healthz; bounded. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    // The same 25 ms step as waitFor (forwarder.ts): a start is noticed within a step, not a tenth of a second late.
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

/**
 * The environment of a CLI run that must stop at its checks: no configuration file from the environment, and a Redis
 * URL on a closed loopback port, so a start that wrongly got past its checks waits for Redis and never reaches one.
 */
export async function checksOnlyEnv(dir: string): Promise<Record<string, string>> {
  return {
    FORWARDER_CONFIG: '',
    REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    DATA_DIR: join(dir, 'data'),
    PORT: '0',
    HOST: '127.0.0.1',
  };
}
