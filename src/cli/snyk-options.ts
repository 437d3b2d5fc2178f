// What the commands that call Snyk's API need from their options and configuration: the organization and the token.
import type { Config } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { snykToken } from '../snyk/token.js';
import { UsageError } from './args.js';

/** `--org`, checked; without it, the configuration's only organization under `configKey`. */
export function orgOption(
  option: string | undefined,
  configured: readonly string[],
  configKey: string,
): string {
  if (option !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(option))
      throw new UsageError(
        `--org "${option}" is not an organization ID (a UUID, in the org's settings in Snyk)`,
      );
    return option;
  }
  if (configured.length === 1) return configured[0] as string;
  throw new UsageError(`--org ORG is required (${configKey} does not name exactly one organization)`);
}

/** The Snyk API token (`SNYK_TOKEN`, `SNYK_TOKEN_FILE`, `snyk.tokenFile`), or a ConfigError that says where to set it. */
export function requiredSnykToken(config: Readonly<Config>): string {
  let token: string | undefined;
  try {
    token = snykToken(config.snyk);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  if (token === undefined || token === '')
    throw new ConfigError([
      'snyk.token: no Snyk API token; set SNYK_TOKEN, SNYK_TOKEN_FILE or snyk.tokenFile',
    ]);
  return token;
}
