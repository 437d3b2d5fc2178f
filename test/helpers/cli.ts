// Runs the snyk-siem-forwarder command as a child process (through tsx), capturing its output.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../node_modules/tsx/dist/esm/index.mjs', import.meta.url));

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
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'debug', ...env },
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
    await new Promise((r) => setTimeout(r, 100));
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
