// Keeps secrets out of log lines: known secret values are masked wherever they appear, secret-named keys always.

const SECRET_KEY = /(secret|token|password|passwd|apikey|api_key|authorization|signature|cookie)/i;
const MASK = '[redacted]';

/** A set of secret values to scrub from every log line; secrets are registered once they are loaded. */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    // Very short values would mask ordinary words; secrets shorter than 6 characters are rejected by config anyway.
    if (value && value.length >= 6) this.values.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const value of this.values) if (out.includes(value)) out = out.split(value).join(MASK);
    // Credentials inside URLs (redis://user:pass@host) are masked even when not registered.
    return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@/\s]+@/gi, `$1${MASK}@`);
  }

  /** Redacts one named field: secret-named string fields are masked whole. */
  redactField(key: string, value: unknown): unknown {
    return SECRET_KEY.test(key) && typeof value === 'string' ? MASK : this.redact(value);
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (depth > 6 || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return this.scrub(value.stack ?? value.message);
    if (Array.isArray(value)) return value.map((item) => this.redact(item, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && typeof child === 'string' ? MASK : this.redact(child, depth + 1);
    }
    return out;
  }
}
