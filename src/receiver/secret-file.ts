// With no secret configured, start generates one at $DATA_DIR/webhook-secret (mode 0600) and reuses it afterwards.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE_NAME = 'webhook-secret';

export interface GeneratedSecret {
  secret: string;
  path: string;
  created: boolean;
}

export function ensureGeneratedSecret(dataDir: string): GeneratedSecret {
  const path = join(dataDir, SECRET_FILE_NAME);
  // Only this user may list or enter the directory that holds the secret (and, embedded, the Redis password).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    return { secret: readFileSync(path, 'utf8').trim(), path, created: false };
  }
  // 32 random bytes as hex: above every length rule reported for Snyk secrets (16 and 20 characters are the minimums reported by Snyk integrators).
  const secret = randomBytes(32).toString('hex');
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, path, created: true };
}
