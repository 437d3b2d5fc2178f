// The admin token: admin.token (or ADMIN_TOKEN, ADMIN_TOKEN_FILE), or the content of the file admin.tokenFile names.
import type { AdminConfig } from '../config/schema.js';
import { tokenReader } from '../config/token-file.js';

/** The schema's minimum for admin.token, applied to a token read from admin.tokenFile too. */
const MIN_LENGTH = 16;

type TokenSource = Pick<AdminConfig, 'token' | 'tokenFile'>;

const reader = tokenReader('admin.tokenFile', (text, file) =>
  text.length >= MIN_LENGTH
    ? undefined
    : `${file} holds fewer than ${MIN_LENGTH} characters; write a longer token`,
);

/** Why the token cannot be had (start and validate list it with the other problems); undefined when it can. */
export function adminTokenProblem(admin: TokenSource): string | undefined {
  return reader.problem(admin);
}

/** The token, read once at start; undefined when none is configured. Throws on an unreadable file. */
export function adminToken(admin: TokenSource): string | undefined {
  return reader.read(admin);
}
