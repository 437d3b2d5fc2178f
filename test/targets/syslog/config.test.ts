// Tests of the syslog configuration schema and of the datagram error classification.
import { describe, expect, it } from 'vitest';
import { syslogTargetSchema } from '../../../src/targets/syslog/config.js';
import { classifyDatagramError } from '../../../src/targets/syslog/classify.js';

const errno = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('syslogTargetSchema', () => {
  it('defaults to TLS, octet counting (at send time), RFC 5424, local0, cef and a 10 s timeout', () => {
    const config = syslogTargetSchema.parse({ name: 'siem', type: 'syslog', host: 'siem.example' });
    expect(config).toMatchObject({
      protocol: 'tls',
      rfc: 5424,
      facility: 'local0',
      format: 'cef',
      appName: 'snyk-siem-forwarder',
      structuredDataId: 'forwarder@32473',
      timeoutMs: 10_000,
      settleMs: 50,
      udpOversize: 'reject',
    });
    expect(config.framing).toBeUndefined();
  });

  it('rejects unknown keys and explains bad values', () => {
    const result = syslogTargetSchema.safeParse({
      name: 'siem',
      type: 'syslog',
      host: 'h',
      rfc: 5425,
      facility: 'local9',
      protocol: 'udp',
      framing: 'lf',
      colour: 'blue',
    });
    expect(result.success).toBe(false);
    const text = JSON.stringify(result.error?.issues);
    expect(text).toContain('rfc is 5424');
    expect(text).toContain('facility is a code 0-23');
    expect(text).toContain('colour');
  });

  it('refuses framing on UDP, tls options without TLS and maxMessageBytes on TCP', () => {
    const issues = (input: object): string =>
      JSON.stringify(
        syslogTargetSchema.safeParse({ name: 's', type: 'syslog', host: 'h', ...input }).error?.issues,
      );
    expect(issues({ protocol: 'udp', framing: 'lf' })).toContain('a UDP datagram is one message');
    expect(issues({ protocol: 'tcp', tls: { ca: '/x' } })).toContain('no plaintext fallback');
    expect(issues({ protocol: 'tcp', maxMessageBytes: 4096 })).toContain('protocol: udp only');
    expect(issues({ structuredDataId: 'a b' })).toContain('structuredDataId');
  });
});

describe('classifyDatagramError', () => {
  it('EMSGSIZE is a permanent record_rejected', () => {
    expect(classifyDatagramError(errno('EMSGSIZE'), 't')).toMatchObject({
      code: 'record_rejected',
      retryable: false,
    });
  });

  it('unknown errors stay retryable', () => {
    expect(classifyDatagramError(new Error('odd'), 't')).toMatchObject({
      code: 'network_error',
      retryable: true,
    });
  });
});
