// The Snyk API token: snyk.token (SNYK_TOKEN, SNYK_TOKEN_FILE), or the content of the file snyk.tokenFile names.
import type { SnykConfig } from '../config/schema.js';
import { tokenReader } from '../config/token-file.js';

type TokenSource = Pick<SnykConfig, 'token' | 'tokenFile'>;

// The token goes into a header line, where a space or line break would be refused or split it.
const reader = tokenReader('snyk.tokenFile', (text, file) =>
  /^\S+$/.test(text) ? undefined : `${file} must hold the token alone, one word without spaces`,
);

/** Why the token cannot be had (start and validate list it with the other problems); undefined when it can. */
export function snykTokenProblem(snyk: TokenSource): string | undefined {
  return reader.problem(snyk);
}

/** The token, read now; undefined when none is configured. Throws on an unreadable file. */
export function snykToken(snyk: TokenSource): string | undefined {
  return reader.read(snyk);
}
