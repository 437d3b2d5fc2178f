// The Authorization header of the Elasticsearch target: an API key or basic credentials, or none on an open cluster.
import type { ElasticsearchTargetConfig } from './config.js';

export function authorization(
  config: Pick<ElasticsearchTargetConfig, 'apiKey' | 'username' | 'password'>,
): Record<string, string> {
  if (config.apiKey !== undefined) return { authorization: `ApiKey ${config.apiKey}` };
  if (config.username !== undefined && config.password !== undefined) {
    const basic = Buffer.from(`${config.username}:${config.password}`, 'utf8').toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

/** The credentials to scrub from anything the cluster echoes back into an error message. */
export function secretsOf(config: Pick<ElasticsearchTargetConfig, 'apiKey' | 'password'>): string[] {
  return [config.apiKey, config.password].filter((s): s is string => s !== undefined);
}
