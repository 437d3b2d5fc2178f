// Tokens given as files (admin.tokenFile, snyk.tokenFile): read at use, one trailing newline dropped, problems named.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { adminToken, adminTokenProblem } from '../../src/admin/token.js';
import { snykToken, snykTokenProblem } from '../../src/snyk/token.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tokenFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ssf-token-'));
  dirs.push(dir);
  const file = join(dir, 'token');
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}

describe('a token given inline', () => {
  it('is used as it is, and no file means no problem', () => {
    expect(snykToken({ token: 'abc' })).toBe('abc');
    expect(adminToken({ token: 'a'.repeat(16) })).toBe('a'.repeat(16));
    expect(snykToken({})).toBeUndefined();
    expect(snykTokenProblem({ token: 'abc' })).toBeUndefined();
    expect(adminTokenProblem({})).toBeUndefined();
  });
});

describe('a token file', () => {
  it('gives its content without the one trailing newline an editor adds, and wins over an inline token', () => {
    const file = tokenFile('c0ffee00-1111-4222-8333-444455556666\n');
    expect(snykToken({ token: 'inline', tokenFile: file })).toBe('c0ffee00-1111-4222-8333-444455556666');
    expect(snykTokenProblem({ tokenFile: file })).toBeUndefined();
    const admin = tokenFile('admin-token-0123456789\r\n');
    expect(adminToken({ tokenFile: admin })).toBe('admin-token-0123456789');
  });

  it('that cannot be read is a problem naming the key, the file and the errno, and throws when used', () => {
    const missing = join(tmpdir(), 'ssf-token-missing', 'token');
    expect(snykTokenProblem({ tokenFile: missing })).toBe(
      `snyk.tokenFile: cannot read ${missing} (ENOENT); check the path and its permissions`,
    );
    expect(() => adminToken({ tokenFile: missing })).toThrow(
      `admin.tokenFile: cannot read ${missing} (ENOENT)`,
    );
  });

  it('with a space or a second line is refused for the Snyk API, whose header would split it', () => {
    const file = tokenFile('token with spaces\n');
    expect(snykTokenProblem({ tokenFile: file })).toBe(
      `snyk.tokenFile: ${file} must hold the token alone, one word without spaces`,
    );
    expect(() => snykToken({ tokenFile: tokenFile('one\ntwo\n') })).toThrow(/one word without spaces/);
  });

  it('shorter than 16 characters is refused for the admin token, as an inline one is', () => {
    const file = tokenFile('short\n');
    expect(adminTokenProblem({ tokenFile: file })).toBe(
      `admin.tokenFile: ${file} holds fewer than 16 characters; write a longer token`,
    );
  });
});
