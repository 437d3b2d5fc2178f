// The `snyk` configuration section: SNYK_TOKEN(_FILE) and SNYK_API_URL, and what the heartbeat needs, with clear errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { snykToken, snykTokenProblem } from '../../src/snyk/token.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-snyk-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = '5e0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const ORG = '0f3c2b1a-0000-4000-8000-00000000000a';

function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ configFile: file, env, cwd: dir }).config;
}

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    load(yaml, env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('the snyk section', () => {
  it('defaults to the US-01 host, no token, no orgs, and no heartbeat', () => {
    expect(load('').snyk).toEqual({
      apiUrl: 'https://api.snyk.io',
      orgs: [],
      heartbeatMinutes: 0,
      reconcile: { everyMinutes: 0, orgs: [] },
    });
  });

  it('takes the token from SNYK_TOKEN or the file SNYK_TOKEN_FILE names, and the host from SNYK_API_URL', () => {
    expect(load('', { SNYK_TOKEN: TOKEN, SNYK_API_URL: 'SNYK-EU-01' }).snyk).toMatchObject({
      token: TOKEN,
      apiUrl: 'https://api.eu.snyk.io',
    });
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    expect(load('', { SNYK_TOKEN_FILE: file }).snyk.token).toBe(TOKEN);
    expect(load('snyk: { apiUrl: "https://api.au.snyk.io/v1" }').snyk.apiUrl).toBe('https://api.au.snyk.io');
  });

  it('reads snyk.tokenFile at start, and says what is wrong with it', () => {
    const file = join(dir, 'token-file');
    writeFileSync(file, `${TOKEN}\n`);
    expect(snykToken({ tokenFile: file })).toBe(TOKEN);
    expect(snykTokenProblem({ tokenFile: join(dir, 'missing') })).toMatch(
      /^snyk\.tokenFile: cannot read .* \(ENOENT\)/,
    );
    writeFileSync(file, 'two words\n');
    expect(snykTokenProblem({ tokenFile: file })).toContain('one word without spaces');
    expect(problems(`snyk: { token: abc, tokenFile: ${file} }`)).toEqual([
      'snyk.tokenFile: set snyk.token (SNYK_TOKEN) or snyk.tokenFile, not both',
    ]);
  });

  it('lists everything the heartbeat still needs, one line each', () => {
    expect(problems('snyk: { heartbeatMinutes: 15 }')).toEqual([
      'snyk.orgs: the heartbeat needs at least one organization ID to ping the webhooks of',
      "snyk.webhookUrl: the heartbeat needs this forwarder's public webhook URL, to find its webhooks among the org's",
      'snyk.token: the heartbeat needs an API token: set SNYK_TOKEN, SNYK_TOKEN_FILE or snyk.tokenFile',
    ]);
    expect(
      load(
        `snyk: { heartbeatMinutes: 15, orgs: [${ORG}], webhookUrl: "https://siem.example.com/webhooks/snyk" }`,
        {
          SNYK_TOKEN: TOKEN,
        },
      ).snyk.heartbeatMinutes,
    ).toBe(15);
  });

  it('refuses an http webhook URL, an org ID that is no ID, a bad host, and too short an interval', () => {
    const found = problems(
      'snyk: { apiUrl: "http://api.snyk.io", orgs: ["my org/x"], webhookUrl: "http://siem.example.com/x", heartbeatMinutes: 0.01 }',
      { SNYK_TOKEN: TOKEN },
    );
    expect(found).toEqual([
      'snyk.apiUrl: must be https: Snyk answers 404 to every request over plain http',
      'snyk.orgs[0]: must be an organization ID (a UUID, from the org settings in Snyk)',
      'snyk.webhookUrl: must be https: Snyk refuses webhooks on plain http',
    ]);
    expect(
      problems(`snyk: { orgs: [${ORG}], webhookUrl: "https://siem.example.com/x", heartbeatMinutes: 0.01 }`, {
        SNYK_TOKEN: TOKEN,
      }),
    ).toEqual(['snyk.heartbeatMinutes: must be 0 (off) or at least 0.05 (3 seconds)']);
  });

  it('never echoes the token in an error', () => {
    const found = problems('', { SNYK_TOKEN: `${TOKEN} with spaces` });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^snyk\.token: must be one word/);
    expect(found.join('\n')).not.toContain(TOKEN);
  });

  it('takes a reconciliation schedule, and names every key it is missing', () => {
    expect(
      load(`snyk:\n  reconcile:\n    everyMinutes: 30\n    orgs: [${ORG}]\n`, { SNYK_TOKEN: TOKEN }).snyk
        .reconcile,
    ).toEqual({ everyMinutes: 30, orgs: [ORG] });
    expect(problems('snyk:\n  reconcile:\n    everyMinutes: 30\n')).toEqual([
      'snyk.reconcile.orgs: the reconciliation schedule needs at least one organization ID to reconcile',
      'snyk.token: the reconciliation schedule needs an API token: set SNYK_TOKEN, SNYK_TOKEN_FILE or snyk.tokenFile',
    ]);
    expect(
      problems(`snyk:\n  reconcile:\n    everyMinutes: 0.01\n    orgs: [${ORG}]\n`, { SNYK_TOKEN: TOKEN }),
    ).toEqual(['snyk.reconcile.everyMinutes: must be 0 (off) or at least 0.05 (3 seconds)']);
    expect(problems('snyk:\n  reconcile:\n    orgs: ["../x"]\n    every: 5\n')).toEqual([
      'snyk.reconcile.orgs[0]: must be an organization ID (a UUID, from the org settings in Snyk)',
      'snyk.reconcile: unknown key "every"; check the spelling against docs/configuration.md',
    ]);
  });
});
