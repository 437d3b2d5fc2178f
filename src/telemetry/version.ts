// The forwarder's own version, read from its package.json: for --version and the build_info metric.
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The "version" of the package.json of this package. Found by walking up from this module, since it sits two levels
 * deep in src/ (tsx, vitest) and three in dist/src/ (the built CLI).
 */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const parsed = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (parsed.name === 'snyk-siem-forwarder' && parsed.version !== undefined)
        return (cached = parsed.version);
    } catch {
      // No package.json at this level: look one up.
    }
    if (dir.pathname === '/') return (cached = 'unknown');
  }
}
