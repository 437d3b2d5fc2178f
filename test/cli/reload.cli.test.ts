// SIGHUP reloads targets, secrets and log level live, loses and duplicates nothing, and refuses what needs a restart.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliProcess } from '../helpers/cli.js';
import { recordsIn, startProcess, stopProcess, type DaemonProcess } from '../helpers/daemon-process.js';
import { waitFor } from '../helpers/forwarder.js';
import { postWebhook, freshSnapshot } from '../helpers/webhook.js';

const dir = mkdtempSync(join(tmpdir(), 'ssf-reload-'));
const configFile = join(dir, 'forwarder.yaml');
const fileA = join(dir, 'a.ndjson');
const fileB = join(dir, 'b.ndjson');
const OLD_SECRET = 'reload-old-secret-0123456789abcdef';
const NEW_SECRET = 'reload-new-secret-0123456789abcdef';
const running: CliProcess[] = [];

afterAll(async () => {
  for (const proc of running) await stopProcess(proc, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(options: { secrets: string[]; targets: string[]; extra?: string[] }): void {
  writeFileSync(
    configFile,
    [
      `dataDir: ${dir}`,
      'receiver:',
      `  secrets: [${options.secrets.map((s) => JSON.stringify(s)).join(', ')}]`,
      'retry: { baseDelayMs: 50, maxDelayMs: 200 }',
      ...(options.extra ?? []),
      'targets:',
      ...options.targets,
    ].join('\n'),
  );
}

const targetA = `  - { name: a, type: file, format: json, path: ${fileA} }`;
const targetB = `  - { name: b, type: file, format: json, path: ${fileB} }`;

async function reload(proc: DaemonProcess, expected: string): Promise<void> {
  const before = proc.output().split(expected).length;
  proc.child.kill('SIGHUP');
  await waitFor(() => proc.output().split(expected).length > before, 30_000, `"${expected}"`).catch((e) => {
    console.log(proc.output().slice(-3000));
    throw e;
  });
}

describe('SIGHUP', () => {
  it('applies a new target and secret while webhooks keep coming: every record once, old jobs untouched', async () => {
    writeConfig({ secrets: [OLD_SECRET], targets: [targetA] });
    const proc = await startProcess({
      dataDir: dir,
      env: { FORWARDER_CONFIG: configFile, SNYK_WEBHOOK_SECRET: '', DATA_DIR: '', LOG_LEVEL: '' },
    });
    running.push(proc);

    // A bounded stream of deliveries that runs across the reload.
    const accepted: string[] = [];
    let stop = false;
    const stream = (async () => {
      for (let i = 0; i < 60 && !stop; i += 1) {
        const transportId = randomUUID();
        const answer = await postWebhook(proc.webhookUrl, freshSnapshot(), {
          secret: OLD_SECRET,
          transportId,
        });
        if (answer.status === 202) accepted.push(transportId);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await waitFor(() => accepted.length >= 5, 20_000, 'some deliveries before the reload');

    writeConfig({
      secrets: [OLD_SECRET, NEW_SECRET],
      targets: [targetA, targetB],
      extra: ['log: { level: warn }'],
    });
    await reload(proc, 'Configuration reloaded.');
    stop = true;
    await stream;

    const fresh = randomUUID();
    expect(
      (await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: NEW_SECRET, transportId: fresh }))
        .status,
    ).toBe(202);
    accepted.push(fresh);
    const expected = accepted.length * 6;
    await waitFor(() => recordsIn(fileA).length >= expected, 30_000, 'every accepted delivery in target a');
    await waitFor(
      () => recordsIn(fileB).some((record) => record.transport_id === fresh),
      30_000,
      'the new target to receive the delivery made after the reload',
    );
    // Give any duplicate a chance to show up before counting.
    await new Promise((r) => setTimeout(r, 500));
    const inA = recordsIn(fileA);
    expect(inA).toHaveLength(expected);
    expect(new Set(inA.map((record) => record.record_id)).size).toBe(expected);
    expect(new Set(inA.map((record) => record.transport_id))).toEqual(new Set(accepted));
    const inB = recordsIn(fileB);
    expect(new Set(inB.map((record) => record.record_id)).size).toBe(inB.length);

    // The log level went to warn: info lines stop.
    const marker = proc.output().length;
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: NEW_SECRET })).status).toBe(202);
    await waitFor(() => recordsIn(fileA).length === expected + 6, 20_000, 'one more delivery');
    expect(proc.output().slice(marker)).not.toContain('"level":"info"');

    // Secrets: the removed one is refused once a second reload drops it.
    writeConfig({ secrets: [NEW_SECRET], targets: [targetA, targetB] });
    await reload(proc, 'Configuration reloaded.');
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: OLD_SECRET })).status).toBe(401);
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: NEW_SECRET })).status).toBe(202);

    // A key that needs a restart: refused whole, the old configuration keeps running.
    writeConfig({
      secrets: [OLD_SECRET],
      targets: [targetA],
      extra: ['workers: { ingestConcurrency: 7 }'],
    });
    await reload(proc, 'Configuration reload refused');
    expect(proc.output()).toContain('workers.ingestConcurrency');
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: OLD_SECRET })).status).toBe(401);
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: NEW_SECRET })).status).toBe(202);

    // An invalid file: every problem logged, still running on the old configuration.
    writeFileSync(configFile, 'receiver:\n  prot: 1\n');
    await reload(proc, 'the new configuration is invalid');
    expect(proc.output()).toContain('unknown key');
    expect(proc.child.exitCode).toBeNull();
    expect((await postWebhook(proc.webhookUrl, freshSnapshot(), { secret: NEW_SECRET })).status).toBe(202);

    expect(await stopProcess(proc)).toBe(0);
  }, 120_000);
});
