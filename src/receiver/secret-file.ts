// With no secret configured, start generates one at $DATA_DIR/webhook-secret (mode 0600) and reuses it afterwards.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECRET_FILE_NAME = 'webhook-secret';

export interface GeneratedSecret {
  /** Every secret of the file, oldest first: `webhooks rotate` appends a new one, one per line. */
  secrets: string[];
  path: string;
  created: boolean;
}

/** The secrets of a secrets file: one per line or comma-separated, as SNYK_WEBHOOK_SECRET(_FILE) lists them. */
export function parseSecretList(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A new webhook secret: 32 random bytes as hex, above every length rule reported for Snyk secrets (16 and 20 characters are the minimums reported by Snyk integrators). */
export function newWebhookSecret(): string {
  return randomBytes(32).toString('hex');
}

export function ensureGeneratedSecret(dataDir: string): GeneratedSecret {
  const path = join(dataDir, SECRET_FILE_NAME);
  // Only this user may list or enter the directory that holds the secret (and, embedded, the Redis password).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    chmodSync(path, 0o600);
    const secrets = parseSecretList(readFileSync(path, 'utf8'));
    if (secrets.length > 0) return { secrets, path, created: false };
  }
  const secret = newWebhookSecret();
  writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: existsSync(path) ? 'w' : 'wx' });
  return { secrets: [secret], path, created: true };
}
