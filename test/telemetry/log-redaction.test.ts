// Log lines never carry secrets: registered values, secret-named fields and URL credentials are masked.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/telemetry/logger.js';
import { SecretRegistry } from '../../src/telemetry/redact.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('log redaction', () => {
  it('masks a registered secret wherever it appears', async () => {
    const registry = new SecretRegistry();
    registry.add('hunter2-webhook-secret');
    const out = capture();
    const logger = createLogger({ level: 'info', format: 'json', stream: out.stream, secrets: registry });
    logger.info('secret is hunter2-webhook-secret', {
      nested: { value: 'x hunter2-webhook-secret y' },
      list: ['hunter2-webhook-secret'],
    });
    await new Promise((r) => setImmediate(r));
    expect(out.text()).not.toContain('hunter2-webhook-secret');
    expect(out.text()).toContain('[redacted]');
  });

  it('masks secret-named fields and credentials in URLs, also in text format', async () => {
    const out = capture();
    const logger = createLogger({
      level: 'info',
      format: 'text',
      stream: out.stream,
      secrets: new SecretRegistry(),
    });
    logger.info('connecting', {
      token: 'abc-token-value',
      url: 'redis://:p4ssw0rd-value@10.0.0.1:6379',
      apiKey: 'k-value-123',
    });
    await new Promise((r) => setImmediate(r));
    expect(out.text()).not.toContain('abc-token-value');
    expect(out.text()).not.toContain('p4ssw0rd-value');
    expect(out.text()).not.toContain('k-value-123');
    expect(out.text()).toContain('redis://:[redacted]@10.0.0.1:6379');
  });
});
