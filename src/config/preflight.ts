// The checks start and validate share after loading: TLS files readable and PEM, the admin token file, every target built.
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'winston';
import { ConfigError } from '../errors.js';
import type { TlsConfig } from '../net/tls.js';
import { adminTokenProblem } from '../admin/token.js';
import { snykTokenProblem } from '../snyk/token.js';
import { buildTarget } from '../targets/registry.js';
import { createLogger } from '../telemetry/logger.js';
import type { Config } from './schema.js';
import { configuredEndpoint } from '../redis/endpoint.js';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'error';
}

function readProblem(key: string, file: string, error: unknown): string {
  const code = errorCode(error);
  const what =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EACCES' || code === 'EPERM'
        ? 'cannot be read by this user'
        : code === 'EISDIR'
          ? 'is a directory'
          : 'cannot be read';
  return `${key}: ${file} ${what} (${code}); point ${key} at the PEM file, or remove ${key}`;
}

/** The certificates in a PEM file; a file without one, or with one that does not parse, is a problem. */
function certificateProblem(key: string, file: string, text: string): string | undefined {
  const blocks = [...text.matchAll(PEM_BLOCK)].filter((block) => block[1] === 'CERTIFICATE');
  if (blocks.length === 0) {
    return `${key}: ${file} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block); convert it to PEM, e.g. openssl x509 -inform der -in FILE -out FILE.pem`;
  }
  for (const block of blocks) {
    try {
      new X509Certificate(block[0]);
    } catch (error) {
      return `${key}: ${file} holds a PEM certificate that does not parse (${(error as Error).message}); replace it with the certificate as issued`;
    }
  }
  return undefined;
}

function keyProblem(key: string, file: string, text: string): string | undefined {
  try {
    createPrivateKey(text);
    return undefined;
  } catch (error) {
    return `${key}: ${file} is not an unencrypted PEM private key (${(error as Error).message}); point ${key} at the key in PEM form, without a passphrase`;
  }
}

/**
 * Checks a `tls` block's files: each readable, the CA and certificate PEM certificates, the key a PEM private key, and
 * the certificate and key a pair. Building a target reads these files too, but Node accepts a CA file without a
 * certificate in it silently, and the first failure would hide the others.
 */
export function tlsProblems(tls: TlsConfig | undefined, prefix: string): string[] {
  if (!tls) return [];
  const problems: string[] = [];
  const texts: Partial<Record<'ca' | 'cert' | 'key', string>> = {};
  for (const part of ['ca', 'cert', 'key'] as const) {
    const file = tls[part];
    if (file === undefined) continue;
    const key = `${prefix}tls.${part}`;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(readProblem(key, file, error));
      continue;
    }
    const problem = part === 'key' ? keyProblem(key, file, text) : certificateProblem(key, file, text);
    if (problem) problems.push(problem);
    else texts[part] = text;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const [given, missing] = tls.cert === undefined ? ['key', 'cert'] : ['cert', 'key'];
    problems.push(
      `${prefix}tls.${missing}: required with ${prefix}tls.${given}; set both for a client certificate, or neither`,
    );
  } else if (texts.cert !== undefined && texts.key !== undefined) {
    try {
      createSecureContext({ cert: texts.cert, key: texts.key });
    } catch (error) {
      problems.push(
        `${prefix}tls.key: ${tls.key} does not match tls.cert ${tls.cert} (${(error as Error).message}); use the key the certificate was issued for`,
      );
    }
  }
  return problems;
}

/** Every problem that stops this configuration from starting, one line each; none when it can start. */
export async function preflightProblems(config: Readonly<Config>, logger?: Logger): Promise<string[]> {
  // Targets log warnings as they are built (TLS verification off, say); start logs them when it builds them again.
  const quiet =
    logger ??
    createLogger({
      level: 'error',
      format: 'json',
      stream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });
  const problems = configuredEndpoint(config.redis) ? tlsProblems(config.redis.tls, 'redis.') : [];
  const tokenProblem = adminTokenProblem(config.admin);
  if (tokenProblem !== undefined) problems.push(tokenProblem);
  const snykProblem = snykTokenProblem(config.snyk);
  if (snykProblem !== undefined) problems.push(snykProblem);
  for (const [index, target] of config.targets.entries()) {
    const where = `targets[${index}] (${target.name})`;
    const tls = 'tls' in target ? target.tls : undefined;
    const found = tlsProblems(tls, '');
    if (found.length > 0) {
      // Building would only fail again on the same file.
      problems.push(...found.map((problem) => `${where}: ${problem}`));
      continue;
    }
    try {
      const built = buildTarget(target, { logger: quiet });
      await built.close();
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  }
  return problems;
}

/**
 * Runs after loadConfig in both `start` and `validate`, so that they accept and refuse the same configurations:
 * throws a ConfigError listing every problem. Builds and closes every target (nothing is sent).
 */
export async function preflight(config: Readonly<Config>, logger?: Logger): Promise<void> {
  const problems = await preflightProblems(config, logger);
  if (problems.length > 0) throw new ConfigError(problems);
}
