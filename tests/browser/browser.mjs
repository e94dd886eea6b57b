// Shared set-up for browser tests: the demo server on a free loopback port and Debian's
// Chromium driven by playwright-core (no browser download; playwright gives every launch a
// fresh, empty profile).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

// `userDataDir`: a profile on disk, as a user's browser has (a fresh launch keeps storage such as
// the origin-private file system in memory); `browser` is then its one context, with newPage().
export async function openBrowser({ userDataDir = null } = {}) {
  const { server, url } = await startServer({ port: 0 });
  const options = {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', // the CI user is root
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  };
  const browser = userDataDir ? await chromium.launchPersistentContext(userDataDir, options) : await chromium.launch(options);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    url,
    browser,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// A page that fails the test on any uncaught error or console error.
export async function newPage(browser, problems) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  return page;
}

// One of the served pages (index.html, quantizer.html, ...) in a new page as above, once it says
// it is ready (body[data-ready=true]).
export async function openReadyPage(session, path, problems) {
  const page = await newPage(session.browser, problems);
  await page.goto(new URL(path, session.url).href);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  return page;
}
