// Vitest globalSetup of the suites that run the CLI: builds dist/ once per run with tsconfig.build.json, as `npm run build`.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CLI_MAIN } from './cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A full build every run (about 5 s), not `tsc --incremental`: an incremental build trusts its build info and skips
 * outputs that were deleted or overwritten since (https://github.com/microsoft/TypeScript/issues/30602), and a stale
 * dist/ would test code that is not in the tree.
 *
 * Type errors do not stop the tests, as they did not when the tests ran src/ through tsx: tsc still emits (exit status
 * 2, "DiagnosticsPresent_OutputsGenerated", https://github.com/microsoft/TypeScript/blob/main/src/compiler/types.ts)
 * and `npm run typecheck` is the check that fails on them. Any other failure emitted nothing to test.
 */
export default function setup(): void {
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
      cwd: ROOT,
      stdio: 'pipe',
      encoding: 'utf8',
    });
  } catch (error) {
    const { status, stdout, stderr } = error as { status?: number | null; stdout?: string; stderr?: string };
    const diagnostics = `${stdout ?? ''}${stderr ?? ''}`;
    if (status !== 2)
      throw new Error(`tsc -p tsconfig.build.json emitted nothing (exit ${status}):\n${diagnostics}`);
    console.warn(
      `build-cli: tsc -p tsconfig.build.json reported type errors (npm run typecheck fails on them):\n${diagnostics}`,
    );
  }
  if (!existsSync(CLI_MAIN)) throw new Error(`tsc -p tsconfig.build.json did not write ${CLI_MAIN}`);
  console.log(`build-cli: built dist/ with tsc -p tsconfig.build.json in ${Date.now() - started} ms`);
}
