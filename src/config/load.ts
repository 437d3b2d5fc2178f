// Loads the configuration once: YAML file, then environment variables, validated against the schema and frozen.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { configSchema, type Config } from './schema.js';
import { ENV_VARIABLES } from './env.js';
import { interpolate, readEnvValue, type Env } from './interpolate.js';
import { applyDefaultTarget } from './default-target.js';

export interface LoadOptions {
  /** --config; else FORWARDER_CONFIG; else ./forwarder.yaml when present. */
  configFile?: string | undefined;
  env?: Env;
  cwd?: string;
}

export interface LoadedConfig {
  config: Readonly<Config>;
  /** The file that was read, if any. */
  source: string | undefined;
}

interface ConfigFile {
  path: string;
  /** Where the name came from, and how to fix it when the file cannot be read. */
  origin: string;
  fix: string;
}

function resolveConfigFile(options: LoadOptions, env: Env, cwd: string): ConfigFile | undefined {
  if (options.configFile) {
    return {
      path: resolve(cwd, options.configFile),
      origin: 'the configuration file',
      fix: 'check the path',
    };
  }
  if (env.FORWARDER_CONFIG) {
    return {
      path: resolve(cwd, env.FORWARDER_CONFIG),
      origin: 'FORWARDER_CONFIG',
      fix: 'check the path, or unset FORWARDER_CONFIG to read ./forwarder.yaml only when it is present',
    };
  }
  const fallback = resolve(cwd, 'forwarder.yaml');
  return existsSync(fallback)
    ? { path: fallback, origin: 'the configuration file', fix: 'check its permissions' }
    : undefined;
}

const READ_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'does not exist',
  EACCES: 'cannot be read by this user',
  EPERM: 'cannot be read by this user',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'is below something that is not a directory',
};

function readYaml(file: ConfigFile, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(file.path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    problems.push(
      `${file.origin}: ${file.path} ${READ_ERRORS[code] ?? 'cannot be read'} (${code}); ${file.fix}`,
    );
    return {};
  }
  return parseYaml(file.path, text, problems);
}

function parseYaml(file: string, text: string, problems: string[]): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  for (const error of document.errors) problems.push(`${file}: ${error.message.split('\n')[0]}`);
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${file}: the top level must be a mapping of keys (receiver, redis, targets, ...)`);
    return {};
  }
  return value;
}

function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function applyEnv(tree: Record<string, unknown>, env: Env, problems: string[]): void {
  for (const variable of ENV_VARIABLES) {
    if (!variable.path) continue;
    const { value, problem } = readEnvValue(env, variable.name);
    if (problem) problems.push(problem);
    if (value === undefined || value === '') continue;
    if (variable.parse === 'int') {
      const number = Number(value);
      if (!Number.isInteger(number)) {
        problems.push(`${variable.name}: "${value}" is not an integer`);
        continue;
      }
      setPath(tree, variable.path, number);
    } else if (variable.parse === 'list') {
      setPath(
        tree,
        variable.path,
        value
          .split(/[,\n]/)
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      );
    } else {
      setPath(tree, variable.path, value);
    }
  }
}

const SECRET_PATHS = /(secret|token|password|apikey|key)$/i;

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`))
    .join('');
  const where = path.replace(/^\./, '') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling against docs/configuration.md`;
  }
  if (issue.code === 'invalid_union' && 'discriminator' in issue) {
    return `${where}: unknown target type; use one of file, syslog, http, splunk-hec, elasticsearch, rapid7`;
  }
  if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
    return `${where}: required, but missing (expected ${issue.expected})`;
  }
  // Never echo a secret's value back in an error message.
  const message = SECRET_PATHS.test(where)
    ? issue.message.replace(/received .*/i, 'received a value')
    : issue.message;
  return `${where}: ${message}`;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Loads, validates and freezes the configuration, or throws a ConfigError that lists every problem. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];
  const file = resolveConfigFile(options, env, cwd);
  const source = file?.path;
  const raw = file ? readYaml(file, problems) : {};
  const tree = interpolate(raw, env, '', problems) as Record<string, unknown>;
  applyEnv(tree, env, problems);

  const parsed = configSchema.safeParse(tree);
  if (!parsed.success) problems.push(...parsed.error.issues.map(describeIssue));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const config = applyDefaultTarget(parsed.data, cwd);
  const names = new Set<string>();
  for (const [index, target] of config.targets.entries()) {
    if (names.has(target.name)) {
      problems.push(`targets[${index}].name: "${target.name}" is used twice; target names must be unique`);
    }
    names.add(target.name);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: deepFreeze(config), source };
}
