// The package through a bundler: Vite builds tests/bundler/app (which imports 'qlinear' and its
// .wasm subpath), and the built app runs in Chromium with the same numbers as Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { build } from 'vite';

import { openBrowser, newPage } from './browser.mjs';
import { init, getSymmetricQParams, quantizeTensor } from '../../web/qlinear.js';

test('an app bundled with Vite loads the wasm from its asset URL and computes what Node computes', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'qlinear-vite-'));
  await build({ configFile: fileURLToPath(new URL('../bundler/vite.config.js', import.meta.url)), build: { outDir } });
  const assets = readdirSync(join(outDir, 'assets'));
  assert.ok(assets.some((f) => /^qlinear_wasm-.*\.wasm$/.test(f)), `the .wasm is emitted as an asset: ${assets}`);

  const serve = sirv(outDir);
  const server = http.createServer((req, res) => serve(req, res, () => res.writeHead(404).end()));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = await openBrowser();
  try {
    const problems = [];
    const page = await newPage(session.browser, problems);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForSelector('body[data-done]', { timeout: 30_000 });
    const result = await page.textContent('#result');
    assert.equal(await page.getAttribute('body', 'data-done'), 'true', result);
    const { q, y, wasmUrl, capabilities } = JSON.parse(result);
    await init();
    const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
    assert.deepEqual(q, Array.from(quantizeTensor(x, getSymmetricQParams(x))));
    assert.equal(y.length, 4);
    assert.match(wasmUrl, /^\/assets\/qlinear_wasm-.*\.wasm$/);
    assert.equal(capabilities.build.simd128, true);
    assert.deepEqual(problems, []);
  } finally {
    await session.close();
    server.close();
  }
});
