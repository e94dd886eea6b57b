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
import { init, getSymmetricQParams, quantizeTensor } from '../../web/package/qlinear.js';

test('an app bundled with Vite loads the wasm from its asset URL and computes what Node computes', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'qlinear-vite-'));
  await build({ configFile: fileURLToPath(new URL('../bundler/vite.config.js', import.meta.url)), build: { outDir } });
  const assets = readdirSync(join(outDir, 'assets'));
  assert.ok(assets.some((f) => /^qlinear_wasm-.*\.wasm$/.test(f)), `the .wasm is emitted as an asset: ${assets}`);
  assert.ok(assets.some((f) => /^qlinear_wasm_relaxed-.*\.wasm$/.test(f)), `the relaxed-SIMD .wasm too: ${assets}`);
  for (const name of [/^qlinear_wasm_threaded-.*\.wasm$/, /^qlinear_wasm_threaded-.*\.mjs$/])
    assert.ok(assets.some((f) => name.test(f)), `the threaded module's ${name}: ${assets}`);

  // Served cross-origin isolated, as a site using threads must be (README, "Threads").
  const serve = sirv(outDir, {
    setHeaders(res) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    },
  });
  const server = http.createServer((req, res) => serve(req, res, () => res.writeHead(404).end()));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const session = await openBrowser();
  await init();
  const x = [3.0, -5.5, 0.0, 6.0, -6.0, 2.5];
  const run = async (query) => {
    const problems = [];
    const page = await newPage(session.browser, problems);
    await page.goto(`http://127.0.0.1:${server.address().port}/${query}`);
    await page.waitForSelector('body[data-done]', { timeout: 30_000 });
    const text = await page.textContent('#result');
    assert.equal(await page.getAttribute('body', 'data-done'), 'true', text);
    const result = JSON.parse(text);
    assert.deepEqual(result.q, Array.from(quantizeTensor(x, getSymmetricQParams(x))));
    assert.equal(result.y.length, 4);
    assert.match(result.wasmUrl, /^\/assets\/qlinear_wasm-.*\.wasm$/);
    assert.equal(result.capabilities.build.simd128, true);
    assert.deepEqual(problems, []);
    await page.close();
    return result;
  };
  try {
    // init(): the package finds its own modules in the bundle, and picks the relaxed one where
    // the engine's dot is one instruction (Chromium on this project's machines).
    const auto = await run('');
    const relaxed = auto.capabilities.relaxedSimd.oneInstructionDot;
    assert.equal(auto.capabilities.build.kernels, relaxed ? 'wasm-relaxed-simd' : 'wasm-simd128');
    assert.deepEqual(auto.loaded.map((p) => p.replace(/^(\/assets\/qlinear_wasm(?:_relaxed)?)-.*\.wasm$/, '$1.wasm')),
      [relaxed ? '/assets/qlinear_wasm_relaxed.wasm' : '/assets/qlinear_wasm.wasm']);
    // init({ simd: 'simd128' }): the package's other module, found through its own URL.
    const simd128 = await run('?simd128');
    assert.equal(simd128.capabilities.build.kernels, 'wasm-simd128');
    assert.deepEqual(simd128.loaded.map((p) => p.replace(/^(\/assets\/qlinear_wasm(?:_relaxed)?)-.*\.wasm$/, '$1.wasm')), ['/assets/qlinear_wasm.wasm']);
    assert.deepEqual(simd128.y, auto.y);
    // init({ wasmUrl }) with the subpath import: the module named, the same numbers.
    const subpath = await run('?subpath');
    assert.equal(subpath.capabilities.build.kernels, 'wasm-simd128');
    assert.deepEqual(subpath.loaded, [subpath.wasmUrl]);
    assert.deepEqual(subpath.y, auto.y);
    // init({ threads: 2 }): the threaded module, its glue and worker script emitted by the bundler.
    const threaded = await run('?threads');
    assert.equal(threaded.capabilities.build.threads, true);
    assert.equal(threaded.capabilities.build.threadCount, 2);
    assert.deepEqual(threaded.loaded.map((p) => p.replace(/-[^-/]*\.wasm$/, '.wasm')), ['/assets/qlinear_wasm_threaded.wasm']);
    assert.deepEqual(threaded.y, auto.y);
  } finally {
    await session.close();
    server.close();
  }
});
