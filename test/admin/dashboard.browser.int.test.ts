// Drives the queue dashboard in headless Chromium: form login, retry of a dead-lettered job, its delivery seen.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, type Job } from 'bullmq';
import { chromium, type Browser, type Page } from 'playwright-core';
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TargetJobData } from '../../src/queue/jobs.js';
import { INGEST_QUEUE, targetQueueName } from '../../src/queue/names.js';
import { workerConnectionOptions } from '../../src/redis/connection.js';
import { waitFor } from '../helpers/forwarder.js';
import { targetJobData } from '../helpers/job-data.js';
import { useTestRedis } from '../helpers/redis-server.js';
import { startScriptedCollector, type ScriptedCollector } from '../helpers/scripted-collector.js';
import { BASE_PATH, serveDashboard, type ServedDashboard } from './dashboard-app.js';

/** Debian's chromium (.ci/run installs it); CHROMIUM_PATH points elsewhere. Missing, the test fails: it never skips. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Written when missing or when UPDATE_SCREENSHOT=1, so that ordinary runs leave the file alone. */
const SCREENSHOT = fileURLToPath(new URL('../../docs/images/dashboard.png', import.meta.url));
const TOKEN = 'browser-test-token-0123456789';
const PREFIX = 'browser';
const TARGET_QUEUE = targetQueueName('siem');
/** Every browser wait gives up after this long; a loaded 2-core CI runner needs a few seconds, not more. */
const WAIT_MS = 20_000;

const logger = winston.createLogger({ silent: true });
const fx = useTestRedis();

let collector: ScriptedCollector;
let queues: Queue[];
let worker: Worker<TargetJobData>;
let app: ServedDashboard;
let browser: Browser | undefined;
let jobId: string;

/** A target worker in miniature: it sends the job's records as NDJSON and fails the job on any non-2xx answer. */
async function deliver(job: Job<TargetJobData>): Promise<void> {
  const body = job.data.records
    .map((record) => JSON.stringify({ record_id: record.id, body: record.body }))
    .join('\n');
  const response = await fetch(collector.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: `${body}\n`,
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`collector answered ${response.status}`);
}

beforeAll(async () => {
  collector = await startScriptedCollector({ status: 500 });
  const connection = workerConnectionOptions(fx.redis.url);
  queues = [INGEST_QUEUE, TARGET_QUEUE].map((name) => new Queue(name, { connection, prefix: PREFIX }));
  worker = new Worker<TargetJobData>(TARGET_QUEUE, deliver, { connection, prefix: PREFIX });
  const target = queues[1] as Queue;
  const job = await target.add('deliver', targetJobData('browser-1', 'siem'), { attempts: 1 });
  jobId = job.id as string;
  await waitFor(
    async () => (await target.getJobState(jobId)) === 'failed',
    WAIT_MS,
    'the first delivery to fail',
  );
  expect(collector.arrivals.map((arrival) => arrival.status)).toEqual([500]);
  app = await serveDashboard({ queues, token: TOKEN, readOnly: false, logger });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await worker?.close();
  await Promise.all((queues ?? []).map((queue) => queue.close()));
  await collector?.close();
});

/** Launched by the first test that needs it, so that a missing binary fails each test (a failing hook skips them). */
async function newPage(): Promise<Page> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install chromium (as .ci/run does), or set CHROMIUM_PATH`,
    );
  }
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: WAIT_MS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
  page.setDefaultTimeout(WAIT_MS);
  page.setDefaultNavigationTimeout(WAIT_MS);
  return page;
}

async function logIn(page: Page): Promise<void> {
  await page.goto(`${app.origin}${BASE_PATH}`);
  await page.waitForURL(`${app.origin}${BASE_PATH}/login`);
  await page.fill('input[name="token"]', TOKEN);
  await page.click('button[type="submit"]');
  await page.waitForURL((url) => url.pathname.startsWith(BASE_PATH) && !url.pathname.endsWith('/login'));
}

describe('queue dashboard in Chromium', { timeout: 120_000 }, () => {
  it('logs in through the form, retries the failed target job, and shows it completed', async () => {
    const page = await newPage();
    await logIn(page);
    const cookies = await page.context().cookies();
    expect(cookies.map(({ name, httpOnly, sameSite, path }) => ({ name, httpOnly, sameSite, path }))).toEqual(
      [{ name: 'ssf_admin_session', httpOnly: true, sameSite: 'Strict', path: BASE_PATH }],
    );

    // The overview: both queues, the target queue's card flags its failed job.
    const failedFlag = page.locator(`main a[href="${BASE_PATH}/queue/${TARGET_QUEUE}?status=failed"]`);
    await failedFlag.waitFor({ state: 'visible' });
    await page.locator(`main a[title="${INGEST_QUEUE}"]`).waitFor({ state: 'visible' });
    expect(await failedFlag.innerText()).toMatch(/failed\s*1/i);
    if (process.env.UPDATE_SCREENSHOT === '1' || !existsSync(SCREENSHOT)) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(statSync(SCREENSHOT).size).toBeLessThan(300 * 1024);
    }

    // The queue's failed tab shows the job; its first action is Retry (the tooltip says so), with a confirmation.
    await failedFlag.click();
    await page.waitForURL(`${app.origin}${BASE_PATH}/queue/${TARGET_QUEUE}?status=failed`);
    const jobCard = page.locator('div[class*="card"]', {
      has: page.locator(`a[href^="${BASE_PATH}/queue/${TARGET_QUEUE}/${jobId}?"]`),
    });
    await jobCard.waitFor({ state: 'visible' });
    await jobCard.getByText('collector answered 500').waitFor({ state: 'visible' });

    collector.fallback = { status: 200 };
    const retry = jobCard.locator('ul[class*="jobActions"] button').first();
    await retry.hover();
    await page.getByText('Retry', { exact: true }).waitFor({ state: 'visible' });
    await retry.click();
    await page.getByRole('button', { name: 'Confirm' }).click();

    const target = queues[1] as Queue;
    await waitFor(
      async () => (await target.getJobState(jobId)) === 'completed',
      WAIT_MS,
      'the retried job to complete',
    );
    expect(collector.delivered()).toEqual(['r-browser-1']);

    await page.click(`a[href="${BASE_PATH}/queue/${TARGET_QUEUE}?status=completed"]`);
    await page
      .locator(`a[href^="${BASE_PATH}/queue/${TARGET_QUEUE}/${jobId}?status=completed"]`)
      .waitFor({ state: 'visible' });
    await page.close();
  });

  it('logs out from the menu, after which the board sends the browser back to the form', async () => {
    const page = await newPage();
    await logIn(page);
    await page.locator('header button[aria-haspopup="menu"]').last().click();
    await page.getByRole('menuitem', { name: 'Log out' }).click();
    await page.waitForURL(`${app.origin}${BASE_PATH}/login`);
    expect(await page.context().cookies()).toEqual([]);
    await page.goto(`${app.origin}${BASE_PATH}/queue/${TARGET_QUEUE}`);
    await page.waitForURL(`${app.origin}${BASE_PATH}/login`);
    await page.close();
  });
});
