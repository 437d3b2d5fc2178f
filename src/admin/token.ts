// The admin token: admin.token (or ADMIN_TOKEN, ADMIN_TOKEN_FILE), or the content of the file admin.tokenFile names.
import { readFileSync } from 'node:fs';
import type { AdminConfig } from '../config/schema.js';

/** The schema's minimum for admin.token, applied to a token read from admin.tokenFile too. */
const MIN_LENGTH = 16;

type TokenSource = Pick<AdminConfig, 'token' | 'tokenFile'>;

function readTokenFile(file: string): { token?: string; problem?: string } {
  let text: string;
  try {
    // One trailing newline dropped, as for the *_FILE variables (config/interpolate.ts).
    text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { problem: `admin.tokenFile: cannot read ${file} (${code}); check the path and its permissions` };
  }
  if (text.length < MIN_LENGTH)
    return {
      problem: `admin.tokenFile: ${file} holds fewer than ${MIN_LENGTH} characters; write a longer token`,
    };
  return { token: text };
}

/** Why the token cannot be had (start and validate list it with the other problems); undefined when it can. */
export function adminTokenProblem(admin: TokenSource): string | undefined {
  return admin.tokenFile === undefined ? undefined : readTokenFile(admin.tokenFile).problem;
}

/** The token, read once at start; undefined when none is configured. Throws on an unreadable file. */
export function adminToken(admin: TokenSource): string | undefined {
  if (admin.tokenFile === undefined) return admin.token;
  const { token, problem } = readTokenFile(admin.tokenFile);
  if (token === undefined) throw new Error(problem);
  return token;
}
