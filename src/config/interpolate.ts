// Replaces ${VAR} and ${VAR:-default} in YAML string values with environment values (or the file VAR_FILE names).
import { readFileSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads an environment variable, or the content of the file named by `<NAME>_FILE` (trailing newline dropped). */
export function readEnvValue(env: Env, name: string): { value: string | undefined; problem?: string } {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return { value: direct };
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return { value: undefined };
  try {
    return { value: readFileSync(file, 'utf8').replace(/\r?\n$/, '') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return {
      value: undefined,
      problem: `${name}_FILE: cannot read ${file} (${code}); check the path and its permissions`,
    };
  }
}

const PATTERN = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Interpolates every string in a parsed YAML tree. `$$` escapes a dollar sign. Problems (unset variables without a
 * default, unreadable _FILE) are collected with the key path so that one message lists them all.
 */
export function interpolate(node: unknown, env: Env, path: string, problems: string[]): unknown {
  if (typeof node === 'string') {
    return node.replace(PATTERN, (match, name: string | undefined, fallback: string | undefined) => {
      if (match === '$$') return '$';
      const { value, problem } = readEnvValue(env, name as string);
      if (problem) problems.push(`${path}: ${problem}`);
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      problems.push(
        `${path}: \${${name}} is not set; export ${name} (or ${name}_FILE), or write \${${name}:-default}`,
      );
      return '';
    });
  }
  if (Array.isArray(node))
    return node.map((item, index) => interpolate(item, env, `${path}[${index}]`, problems));
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      out[key] = interpolate(value, env, path ? `${path}.${key}` : key, problems);
    }
    return out;
  }
  return node;
}
