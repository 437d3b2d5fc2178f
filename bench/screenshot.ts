// A PNG of an HTML page, taken by headless Debian chromium through playwright-core (as the dashboard browser test does).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Debian's chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Renders `html` and writes a screenshot of the whole page to `path`. */
export async function screenshotPage(html: string, path: string): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox'],
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.setContent(html, { waitUntil: 'load', timeout: 30_000 });
    await page.locator('svg').first().screenshot({ path, timeout: 30_000 });
  } finally {
    await browser.close();
  }
}
