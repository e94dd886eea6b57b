// Shared set-up for browser tests: the demo server on a free loopback port and Debian's
// Chromium driven by playwright-core (no browser download; playwright gives every launch a
// fresh, empty profile).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';

export const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

export async function openBrowser() {
  const { server, url } = await startServer({ port: 0 });
  const browser = await chromium.launch({
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
  });
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
